"""The step-vs-GEMM ratio of one process whose imports come in a given order (a child of the benchmarks).

    python -m benches.import_order numpy-first | htcore-first

``numpy-first`` imports NumPy and runs a GEMM before htcore is imported, as a notebook does; then
htcore must make its OpenBLAS thread timeout effective late (htcore/_threads.py). Prints one JSON object:
``{"optimizer dtype": ratio, ..., "thread_defaults_in_effect": {...}}`` — the median of per-round ratios of
one `Trainer.step` to the step's two GEMMs (``benches.conftest.paired_ratio``, 15 alternating rounds) at the
default shape, for GD and Adam in float64 and float32.
"""

import sys

ORDERS = ("numpy-first", "htcore-first")

if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in ORDERS:
        sys.exit(f"usage: python -m benches.import_order {{{' | '.join(ORDERS)}}}")
    if sys.argv[1] == "numpy-first":
        import numpy as np

        np.ones((64, 64)) @ np.ones((64, 64))  # OpenBLAS loaded and its threads started before htcore

import json  # noqa: E402

import htcore  # noqa: E402
from benches.bench_engine import Engine  # noqa: E402
from benches.conftest import paired_ratio  # noqa: E402
from htcore.config import DTYPES, OPTIMIZERS  # noqa: E402


def ratios() -> dict:
    """Step / 2 GEMMs for every optimizer and dtype, in this process."""
    out: dict = {"thread_defaults_in_effect": htcore.THREAD_DEFAULTS_SET}
    for optimizer in OPTIMIZERS:
        for dtype in DTYPES:
            engine = Engine(optimizer, dtype)
            out[f"{optimizer} {dtype}"] = paired_ratio(engine.step, engine.gemms, rounds=15)[2]
    return out


if __name__ == "__main__":
    print(json.dumps(ratios()))
