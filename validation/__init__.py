"""validation — closed-form theory (``theory``) against simulations with the engine (``htcore``).

``htcore validate`` (``validation.cli``) runs the suites below, each a module of this package and also
runnable alone as ``python -m validation.<suite>``, and writes report.md, results.json and PNG figures.
Suites: spiked (BGN spiked matrices), gd_one_step and adam_one_step (one large step, plug-in and
asymptotic forms), one_step_spectrum (the whole eigenvalue law after one step), bbp (where the outlier appears), finite_size (error of the asymptotic forms, control
variate), scales (update size vs W0), multi_step (spike then heavy tail over ten steps, against the
published code's trajectory). Tolerances use the scatter measured on separate seeds by
``python -m validation.calibrate`` (``validation/calibration.json``); ``python -m validation.power``
measures what each check can detect. Policy and justification: docs/validation.md.
"""

#: Suite names, in report order (kept here, free of imports, so the CLI can list them cheaply).
SUITES: tuple[str, ...] = ("spiked", "gd_one_step", "adam_one_step", "one_step_spectrum", "bbp", "finite_size",
                           "scales", "multi_step")
