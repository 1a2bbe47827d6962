"""The validation suites: one module per suite, listed in report order by :mod:`validation.registry`.

A suite module provides

* ``NAME``: the suite's name (it keys its seeds, :func:`validation.tasks.task_seed`, its checks in the
  calibration file and its section of the report);
* ``SIZES``: its sizes per profile, ``{"quick": {...}, "full": {...}}`` (plain JSON-able values; the
  suite's fingerprint records them, so changing them makes only this suite's calibration stale), and
  ``describe(sizes) -> str``, a few words for the report header;
* ``plan(profile, role) -> list[Task]``: its independent simulations (:class:`validation.tasks.Task`,
  each a call ``<module>.<function>(**params)`` returning plain JSON-able data, run in worker processes);
* ``evaluate(profile, outputs, calibration) -> SuiteResult``: its checks (:mod:`validation.checks`), from
  the outputs in plan order;
* ``figures(data) -> dict[str, Figure]``: its report figures by file name, drawn from ``data`` (suite
  name → ``SuiteResult.data`` of every suite that ran). Suites that share a figure list the same
  function, which the report calls once. Drawing functions are named ``figures`` or ``fig_*``: the
  fingerprint leaves them out (:mod:`validation.fingerprint`).

Adding a suite is one module here and one line in :mod:`validation.registry`. ``_one_step_common`` is not
a suite: it is the one-step model, step and measurements several suites share. Run one suite alone with
``python -m validation.suites NAME [--quick | --full] [--out DIR] [--workers N]`` (this package's
``__main__``), the same as ``htcore validate --only NAME``.
"""
