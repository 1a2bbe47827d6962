"""Thread-pool settings htcore gives the process, whatever the import order (docs/performance.md "Threads").

Each library reads its setting when it is first loaded. When NumPy (hence OpenBLAS) was loaded before
htcore — every notebook that starts with ``import numpy as np`` — OpenBLAS has already read its thread
timeout, so :func:`apply_thread_defaults` asks the loaded OpenBLAS to read its environment again
(``openblas_read_env``) and stops its idle worker threads (``blas_thread_shutdown_``, what OpenBLAS runs
before a fork); the next BLAS call starts them again with the new timeout. Nothing here imports NumPy.
"""

from __future__ import annotations

import ctypes
import os
import sys
import warnings
from pathlib import Path

__all__ = ["THREAD_DEFAULTS", "apply_thread_defaults"]

#: Thread-pool settings htcore gives the process unless the user set them. What each costs a training step
#: without it is measured in docs/performance.md.
#: - OPENBLAS_THREAD_TIMEOUT: OpenBLAS's worker threads busy-wait 2^28 cycles (≈ 0.1 s) after every
#:   BLAS call by default, competing for the cores with the Numba-parallel kernel after each GEMM;
#:   2^4 cycles instead.
#: - OMP_WAIT_POLICY: the OpenMP runtime behind Numba's parallel kernels (GNU libgomp) spins 300 000
#:   pause cycles (several ms on recent x86) after every parallel region by default, competing with the
#:   GEMM that follows; PASSIVE makes its threads sleep at once. Any other OpenMP runtime loaded later
#:   in the process (torch's, for one) reads it too.
THREAD_DEFAULTS = {"OPENBLAS_THREAD_TIMEOUT": "4", "OMP_WAIT_POLICY": "PASSIVE"}

_MAPS = Path("/proc/self/maps")


def _loaded_libraries(fragment: str) -> list[str]:
    """Paths of the shared libraries mapped into this process whose file name contains `fragment`."""
    if not _MAPS.exists():
        return []
    paths = {line.split()[-1] for line in _MAPS.read_text().splitlines() if "/" in line}
    return sorted(p for p in paths if fragment in Path(p).name.lower() and ".so" in Path(p).name)


def _reread_openblas_timeout() -> bool:
    """Make every loaded OpenBLAS take the current OPENBLAS_THREAD_TIMEOUT; False if one cannot."""
    libraries = _loaded_libraries("openblas")
    for path in libraries:
        lib = ctypes.CDLL(path)
        if not (hasattr(lib, "openblas_read_env") and hasattr(lib, "blas_thread_shutdown_")):
            return False
        lib.openblas_read_env()
        lib.blas_thread_shutdown_()
    return bool(libraries)


def apply_thread_defaults() -> dict[str, str]:
    """Set the :data:`THREAD_DEFAULTS` the user did not set, make them effective in libraries already
    loaded where that is possible, and return the subset in effect. A setting that cannot take effect
    (an OpenBLAS without the two entry points, an OpenMP runtime already started) is left out of the
    result and named in one warning with the way to get it."""
    wanted = {name: value for name, value in THREAD_DEFAULTS.items() if name not in os.environ}
    os.environ.update(wanted)
    missed = []
    if "OPENBLAS_THREAD_TIMEOUT" in wanted and "numpy" in sys.modules and not _reread_openblas_timeout():
        missed.append("OPENBLAS_THREAD_TIMEOUT")
    if "OMP_WAIT_POLICY" in wanted and _loaded_libraries("gomp"):
        missed.append("OMP_WAIT_POLICY")
    if missed:
        settings = " ".join(f"{name}={THREAD_DEFAULTS[name]}" for name in missed)
        warnings.warn(f"htcore: {', '.join(missed)} could not take effect in libraries loaded before htcore; "
                      f"training steps may run up to 1.5× slower. Import htcore first, or start Python with "
                      f"{settings} in the environment.", RuntimeWarning, stacklevel=3)
    return {name: value for name, value in wanted.items() if name not in missed}
