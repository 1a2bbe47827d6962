"""The engine's model and optimiser in torch (autograd + torch.optim), run in a child process.

The child starts with the environment the user gave the benchmark: without the thread-pool settings
that importing htcore adds (`htcore.THREAD_DEFAULTS_SET`), which torch's own OpenMP runtime would
otherwise read. So torch runs with its defaults, as a torch user has it. This module imports neither
htcore nor anything that does; the child never imports htcore.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np


def _serve(conn, optimizer: str, lr: float, arrays: dict[str, np.ndarray]) -> None:
    """Child: build the torch model, then answer each request k with the seconds of k steps."""
    import torch

    X, y, a = (torch.from_numpy(arrays[k]) for k in ("X", "y", "a"))
    W = torch.nn.Parameter(torch.from_numpy(arrays["W0"].copy()))
    scale_in, scale_out = 1 / math.sqrt(X.shape[1]), 1 / math.sqrt(W.shape[0])
    opt = (torch.optim.Adam if optimizer == "adam" else torch.optim.SGD)([W], lr=lr)

    def step() -> None:
        opt.zero_grad()
        f = torch.tanh(X @ W.T * scale_in) @ a * scale_out
        loss = ((f - y) ** 2).mean()
        loss.backward()
        opt.step()

    conn.send("ready")
    while (k := conn.recv()) is not None:
        start = time.perf_counter()
        for _ in range(k):
            step()
        conn.send(time.perf_counter() - start)


@contextmanager
def _environment_without(names: dict[str, str]) -> Iterator[None]:
    saved = {name: os.environ.pop(name) for name in names if name in os.environ}
    try:
        yield
    finally:
        os.environ.update(saved)


class TorchProcess:
    """A torch replica of one problem's training step in a spawned child; `step()` runs one step
    there and returns when it is done. Close it (or use it as a context manager) to end the child."""

    def __init__(self, optimizer: str, lr: float, arrays: dict[str, np.ndarray],
                 unset: dict[str, str]) -> None:
        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe()
        with _environment_without(unset):
            self.process = context.Process(target=_serve, args=(child, optimizer, lr, arrays),
                                           daemon=True)
            self.process.start()
        if self.conn.recv() != "ready":
            raise RuntimeError("torch reference process failed to start")

    def step(self) -> float:
        self.conn.send(1)
        return self.conn.recv()

    def close(self) -> None:
        self.conn.send(None)
        self.process.join(timeout=30)

    def __enter__(self) -> TorchProcess:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
