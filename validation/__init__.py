"""validation — closed-form theory (``theory``) against simulations with the engine (``htcore``).

``htcore validate`` (:mod:`validation.cli`) runs the suites and writes report.md, results.json and PNG
figures; ``python -m validation.suites NAME`` runs one suite alone. Tolerances use the scatter measured
on separate seeds by ``python -m validation.calibrate`` (``validation/calibration.json``);
``python -m validation.power`` measures what each check can detect. Policy and justification:
docs/validation.md.

Layout, in layers (a module imports only from its own layer or a lower one; tests/validation/
test_import_graph.py checks it):

1. **framework** — knows no suite by name: :mod:`validation.tasks` (profiles, tasks, seeds),
   :mod:`validation.calibration` (the calibration file), :mod:`validation.checks` (checks, tolerance
   policy), :mod:`validation.fingerprint` (staleness), :mod:`validation.parallel` and
   :mod:`validation.runner` (simulate, evaluate), :mod:`validation.report` (report.md, results.json,
   figures), :mod:`validation.options` (shared command-line options);
2. **suites** — :mod:`validation.suites`: one module per suite (its sizes per profile, simulations,
   checks and figures) and ``_one_step_common``, the one-step model they share;
3. **registry** — :mod:`validation.registry`: the suites in report order, the one list of them;
4. **tools** — :mod:`validation.calibrate` and :mod:`validation.power`;
5. **entry points** — :mod:`validation.cli` (``htcore validate``), ``python -m validation.suites`` and the
   studies :mod:`validation.studies` (measurements behind docs/theory.md and docs/validation.md that no
   validation run uses).
"""
