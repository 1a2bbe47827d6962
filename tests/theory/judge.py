"""Theory-versus-simulation comparisons whose tolerances are measured, and their mutation twins.

A comparison is written once, as a function of a :class:`Judge` that receives (name, prediction,
simulation, bound) for every compared quantity. The real test runs it with a plain judge and requires
no failure; its **mutation twin** runs the same function once per compared quantity and sign with a
judge that perturbs that one prediction — σ-type quantities (singular values, edges, and quantities
compared by relative error) multiplied by 1.02^±1, overlaps shifted by ±0.02, eigenvalue laws
rescaled by 1.02^±1 in singular value — and requires the check of that quantity to fail. So every
tolerance below is shown to be tight enough to see a 2 % (or 0.02) error of the formula on the very
draw the test judges.

Bounds:

* :class:`Scatter` — a validation: the error must lie within ``K·sd/√seeds`` of the bias, both
  measured on seeds that the test does not judge (``sd``: seed-to-seed standard deviation of the
  error of one seed; ``seeds``: how many seeds the test averages). A KS distance is one-sided:
  it must stay below ``bias + K·sd`` (bias = its mean).
* :class:`Pin` — a regression pin: the error on the judged draw must stay at today's value. It is
  used where the scatter at an affordable size is too large for a 2 % error to be visible, lives only
  in tests named ``…_regression_pin``, and validates nothing: it detects that a formula changed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

#: Width of a validation tolerance in standard deviations of the measured seed scatter.
K = 3.0
#: Wrong-formula mutations: σ-type predictions ×1.02^±1, overlaps ±0.02, laws ×1.02^±1 in σ.
SIGMA_FACTOR = 1.02
OVERLAP_SHIFT = 0.02
#: Tolerance of a regression pin around today's error (σ-type: relative; overlap: absolute).
PIN_TOL = 1e-3


@dataclass(frozen=True)
class Scatter:
    """Measured seed-to-seed scatter of an error: ``|error − bias| ≤ K·sd/√seeds``."""

    sd: float
    bias: float = 0.0
    seeds: int = 1

    @property
    def tol(self) -> float:
        return K * self.sd / math.sqrt(self.seeds)


@dataclass(frozen=True)
class Pin:
    """Today's error on the judged draw: ``|error − value| ≤ PIN_TOL`` (a regression pin)."""

    value: float


Bound = Scatter | Pin


def ks_distance(cdf_values: np.ndarray) -> float:
    """Kolmogorov–Smirnov distance between a law and a sorted sample, from the law's CDF at the sample."""
    N = cdf_values.size
    return float(max(np.max(np.abs(cdf_values - np.arange(1, N + 1) / N)),
                     np.max(np.abs(cdf_values - np.arange(N) / N))))


class Judge:
    """Collects the failures of one comparison; ``mutate=(name, ±1)`` perturbs the prediction ``name``."""

    def __init__(self, mutate: tuple[str, int] | None = None) -> None:
        self.mutate = mutate
        self.failures: dict[str, str] = {}
        self.names: list[str] = []
        self.kinds: set[type] = set()

    def _sign(self, name: str) -> int:
        if name in self.names:
            raise AssertionError(f"comparison name {name!r} used twice")
        self.names.append(name)
        return self.mutate[1] if self.mutate is not None and self.mutate[0] == name else 0

    def _judge(self, name: str, err: float, bound: Bound, what: str) -> None:
        self.kinds.add(type(bound))
        if isinstance(bound, Pin):
            ok, allowed = abs(err - bound.value) <= PIN_TOL, f"pinned {bound.value:+.4f} ± {PIN_TOL:g}"
        else:
            ok, allowed = abs(err - bound.bias) <= bound.tol, f"{bound.bias:+.4f} ± {bound.tol:.4f}"
        if not ok:
            self.failures[name] = f"{name}: {what} {err:+.4f}, allowed {allowed}"

    def ratio(self, name: str, pred: float, sim: float, bound: Bound) -> None:
        """σ-type quantity: error ``pred/sim − 1``; mutation ``pred × 1.02^±1``."""
        pred = pred * SIGMA_FACTOR ** self._sign(name)
        self._judge(name, pred / sim - 1.0, bound, "relative error")

    def diff(self, name: str, pred: float, sim: float, bound: Bound) -> None:
        """Overlap: error ``pred − sim``; mutation ``pred ± 0.02``."""
        pred = pred + OVERLAP_SHIFT * self._sign(name)
        self._judge(name, pred - sim, bound, "error")

    def ks(self, name: str, cdf: Callable[[np.ndarray], np.ndarray], eigenvalues: np.ndarray,
           bound: Scatter, points: np.ndarray | None = None) -> None:
        """KS distance between a predicted eigenvalue law (its CDF) and sorted simulated eigenvalues
        (over the sample, or at the given ``points`` only), at most ``bias + K·sd``; mutation: the law
        rescaled by 1.02^±1 in singular value (1.02^±2 in eigenvalue)."""
        scale = SIGMA_FACTOR ** (2 * self._sign(name))
        if points is None:
            ks = ks_distance(np.asarray(cdf(eigenvalues / scale)))
        else:
            empirical = np.searchsorted(eigenvalues, points, side="right") / eigenvalues.size
            ks = float(np.max(np.abs(np.asarray(cdf(points / scale)) - empirical)))
        self.kinds.add(Scatter)
        if ks > bound.bias + K * bound.sd:
            self.failures[name] = f"{name}: KS {ks:.4f}, allowed ≤ {bound.bias + K * bound.sd:.4f}"

    def check(self, name: str, ok: bool, detail: str = "") -> None:
        """A condition that is not a prediction's error (a count, a sign); not mutated."""
        if not ok:
            self.failures[name] = f"{name}: {detail or 'failed'}"

    def assert_ok(self) -> None:
        assert not self.failures, "; ".join(self.failures.values())


def judge(compare: Callable[[Judge], object], *, pin: bool = False) -> Judge:
    """Run ``compare`` with a plain judge, require every check to pass and every bound to be of the
    kind the test's name promises (regression pins only in ``…_regression_pin`` tests)."""
    j = Judge()
    compare(j)
    assert j.names, "the comparison compared nothing"
    assert j.kinds == {Pin if pin else Scatter}, f"bounds {j.kinds} in a {'pin' if pin else 'validation'} test"
    j.assert_ok()
    return j


def assert_mutations_fail(compare: Callable[[Judge], object]) -> None:
    """Every compared prediction, perturbed either way, makes its own check fail (mutation twin)."""
    plain = Judge()
    compare(plain)
    assert plain.names
    missed = []
    for name in plain.names:
        for sign in (1, -1):
            j = Judge(mutate=(name, sign))
            compare(j)
            if name not in j.failures:
                missed.append(f"{name} (sign {sign:+d})")
    assert not missed, f"a wrong formula passes for: {', '.join(missed)}"
