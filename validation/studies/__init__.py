"""Studies: measurements quoted in docs/theory.md and docs/validation.md that no validation run uses.

Each is a script, ``python -m validation.studies.<name> --help``: ``measure_bbp`` (the BBP suite's
measurement rule across sizes), ``measure_one_step_spectrum`` (the one-step eigenvalue law against the
engine), ``measure_trajectory`` (``theory.predict_trajectory`` against the engine over several steps).
They sit above the suites and the framework and may import them; nothing imports a study except its tests.
"""
