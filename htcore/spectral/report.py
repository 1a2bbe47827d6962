"""One-call analysis of a weight matrix and its text table (the logic behind `htcore spectrum FILE`).

`analyse` (also `htcore.spectral.analyse`) runs every diagnostic of `htcore.spectral` on one matrix and
returns a `Report`; `format_table` prints it. The power law is judged as Clauset, Shalizi & Newman (2009,
SIAM Review 51, 661) prescribe: rejected when the bootstrap goodness-of-fit p ≤ `POWER_LAW_REJECT_P`, and
a rejected fit supports no heavy-tail claim (`Report.phase`).
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from htcore.checks import SpectralInputError, as_finite_matrix, check_int, check_memory
from theory.display import public_dir, short_value
from theory.htsr import Phase

from .bootstrap import BootstrapResult, bootstrap_pvalue
from .classify import Classification, classify
from .compare import LikelihoodRatio, compare_distributions
from .fit import hill_alpha
from .linalg import esd
from .mp import RandomBaselines, random_baselines

__all__ = ["POWER_LAW_REJECT_P", "RUN_WEIGHTS", "Report", "analyse", "format_table", "load_matrix"]

#: Array read from a saved run directory (`htcore run` writes weights.npz with the final W).
RUN_WEIGHTS = ("weights.npz", "W")
#: The power law is rejected when the bootstrap goodness-of-fit p-value is at most this (the conservative
#: threshold of Clauset, Shalizi & Newman 2009, §4.1).
POWER_LAW_REJECT_P = 0.1


@dataclass(frozen=True)
class Report:
    """Everything `analyse` measured: the ESD, Hill α, the classification (MP fit + KS power-law fit),
    the bootstrap p-value, the likelihood-ratio tests and the random baselines.

    ``source`` names the matrix, ``shape`` = (h, d); ``evals``: ascending eigenvalues of the smaller Gram
    of W (unnormalised, as `esd`; singular values are their square roots); ``alpha_hill``: Hill α at the
    median xmin; ``classification``: the phase from the MP fit and the KS fit alone (`classify`);
    ``bootstrap``: the fit's goodness-of-fit p-value; ``ratios``: power law vs each alternative;
    ``baselines``: the same fits on a Gaussian and a permuted matrix. The verdicts: `power_law_rejected`
    and `phase`.
    """

    source: str
    shape: tuple[int, int]
    evals: np.ndarray
    alpha_hill: float
    classification: Classification
    bootstrap: BootstrapResult
    ratios: dict[str, LikelihoodRatio]
    baselines: RandomBaselines

    @property
    def power_law_rejected(self) -> bool:
        """The bootstrap rejects the power-law fit: p ≤ `POWER_LAW_REJECT_P` (Clauset et al. 2009)."""
        return bool(self.bootstrap.pvalue <= POWER_LAW_REJECT_P)

    @property
    def phase(self) -> Phase:
        """The HT-SR phase: the classification's, except that a heavy-tailed call resting on a rejected
        power law becomes bulk-decay (a non-MP bulk without a power-law tail, `theory.htsr.phase` rule 4)."""
        cls = self.classification.phase
        return Phase.BULK_DECAY if cls is Phase.HEAVY_TAILED and self.power_law_rejected else cls

    def __repr__(self) -> str:
        return (f"Report(source={self.source!r}, shape={self.shape}, evals={short_value(self.evals)}, "
                f"alpha_hill={short_value(self.alpha_hill)}, alpha_ks={short_value(self.classification.fit.alpha)}, "
                f"bootstrap_p={short_value(self.bootstrap.pvalue)}, power_law_rejected={self.power_law_rejected}, "
                f"phase={self.phase.value!r}, ratios={sorted(self.ratios)})")


def load_matrix(path: str | Path, key: str | None = None) -> np.ndarray:
    """A 2-D matrix from ``.npy``, ``.npz`` (array `key`; optional when it holds one array) or a run
    directory written by ``htcore run`` (its ``weights.npz`` array ``W``)."""
    p = Path(path)
    if p.is_dir():
        p, key = p / RUN_WEIGHTS[0], key or RUN_WEIGHTS[1]
    if not p.exists():
        raise SpectralInputError(f"no such file: {p}")
    check_memory(f"{p} ({p.stat().st_size} bytes)", 2.0 * p.stat().st_size)  # the array, and its float64 copy
    try:
        data = np.load(p, allow_pickle=False)
    except OSError as err:
        raise SpectralInputError(f"cannot read {p}: {err.strerror or err}") from None
    except (ValueError, EOFError, zipfile.BadZipFile):  # numpy took it for a pickle, or it is truncated
        raise SpectralInputError(f"{p} is not a NumPy file (.npy, or .npz with --key)") from None
    if not isinstance(data, np.lib.npyio.NpzFile):
        return as_finite_matrix(data, str(p))
    with data:
        names = list(data.files)
        if key is None and len(names) != 1:
            raise SpectralInputError(f"{p} holds arrays {names}: choose one with --key")
        name = key if key is not None else names[0]
        if name not in names:
            raise SpectralInputError(f"{p} has no array {name!r} (it has {names})")
        try:
            array = data[name]
        except (ValueError, EOFError, zipfile.BadZipFile):  # object array, or a damaged member
            raise SpectralInputError(f"{p}[{name}] is not a readable numeric NumPy array") from None
        return as_finite_matrix(array, f"{p}[{name}]")


def analyse(W: Any, n_boot: int = 200, seed: int = 0, source: str = "matrix",
            progress: bool | None = None) -> Report:
    """Full spectral analysis of a weight matrix W (h×d, any real 2-D array; float64 inside), in one call.

    Computes, on the ESD λ (ascending eigenvalues of the smaller Gram of W, unnormalised; singular values
    σ = √λ), each with the function of `htcore.spectral` named:

    - ``alpha_hill``: Hill α with xmin at the median eigenvalue (`hill_alpha`);
    - ``classification``: the Marchenko–Pastur fit (`mp_fit`: variance by median matching, bulk edges,
      spikes above the edge plus a Tracy–Widom margin, zero fraction, KS distance of the bulk to MP), the
      continuous power-law fit of the tail at the KS-optimal xmin (`powerlaw_fit`, Clauset et al. 2009)
      and the HT-SR phase from both (`classify`, rules in `theory.htsr.phase`);
    - ``bootstrap``: goodness-of-fit p-value of that power law from `n_boot` synthetic samples
      (`bootstrap_pvalue`); p ≤ `POWER_LAW_REJECT_P` rejects it (`Report.power_law_rejected`);
    - ``ratios``: likelihood-ratio tests of the power law against exponential, log-normal and truncated
      power-law tails (`compare_distributions`);
    - ``baselines``: the KS and Hill α of a Gaussian matrix of W's shape and of W with its entries
      permuted (`random_baselines`).

    Returns a `Report`; its `phase` is the verdict (heavy-tailed only when the power law is not rejected)
    and `format_table` prints it. `seed` seeds the bootstrap and the baselines (children of one
    SeedSequence), so the report depends only on (W, n_boot, seed). `source` is the name printed for the
    matrix; `progress` shows a bootstrap bar (default: for long runs). Raises `SpectralInputError` for
    anything but a finite non-empty 2-D array.
    """
    A = as_finite_matrix(W)
    n_boot, seed = check_int("n_boot", n_boot, 1), check_int("seed", seed, 0)
    if min(A.shape) < 2:
        raise SpectralInputError(f"W has shape {A.shape}: the analysis needs at least 2 rows and 2 columns "
                                 "(an ESD of one eigenvalue has no bulk and no tail)")
    p = min(A.shape)
    check_memory(f"W of shape {A.shape}", 8.0 * (3 * A.size + 3 * p * p))  # the two baselines, Grams, eigh
    evals = esd(A)
    cls = classify(evals, A.shape)
    boot_seed, base_seed = np.random.SeedSequence(seed).generate_state(2)
    return Report(source=source, shape=(A.shape[0], A.shape[1]), evals=evals,
                  alpha_hill=hill_alpha(evals), classification=cls,
                  bootstrap=bootstrap_pvalue(evals, cls.fit, n_boot, int(boot_seed), progress),
                  ratios=compare_distributions(evals, cls.fit),
                  baselines=random_baselines(A, int(base_seed)))


def _rows(r: Report) -> list[tuple[str, str]]:
    mp, fit, base = r.classification.mp, r.classification.fit, r.baselines
    rows = [
        ("matrix", f"{r.source}  {r.shape[0]}×{r.shape[1]}"),
        ("sigma1", f"{np.sqrt(r.evals[-1]):.6g}"),
        ("MP bulk edge (sigma)", f"{mp.singular_edges[1]:.6g}  (variance {mp.variance:.4g}, "
                                 f"TW scale {mp.tw_scale:.3g})"),
        ("spikes above edge+TW", f"{mp.n_spikes}"
         + (f"  (sigma: {', '.join(f'{s:.4g}' for s in np.sqrt(mp.spikes[:5]))}"
            f"{', …' if mp.n_spikes > 5 else ''})" if mp.n_spikes else "")),
        ("zero eigenvalues", f"{mp.n_zeros}  ({100 * mp.zero_fraction:.1f} %)"),
        ("bulk KS vs MP", f"{mp.bulk_ks:.4f}"),
        ("alpha Hill (median)", f"{r.alpha_hill:.4f}"),
        ("alpha KS", f"{fit.alpha:.4f} ± {fit.sigma:.3g}  ({r.classification.alpha_class})"),
        ("xmin, n_tail, D", f"{fit.xmin:.6g}, {fit.n_tail}/{fit.n_total}, {fit.D:.4f}"),
        ("fit reliable", "yes" if fit.reliable else f"no: {fit.reason}"),
        ("bootstrap p", f"{r.bootstrap.pvalue:.3f}  ({r.bootstrap.n_boot} replicates)"),
        ("power law", f"{'rejected' if r.power_law_rejected else 'not rejected'} (p = {r.bootstrap.pvalue:.3f}"
                      f"{' ≤' if r.power_law_rejected else ' >'} {POWER_LAW_REJECT_P:g}, Clauset et al. 2009)"),
    ]
    if r.power_law_rejected:  # a rejected fit is no evidence for a tail: its α class and reliability go
        rows = [row for row in rows if row[0] != "fit reliable"]
        rows = [(name, value.replace(f"({r.classification.alpha_class})", "(no class: power law rejected)"))
                if name == "alpha KS" else (name, value) for name, value in rows]
    rows += [(f"LR vs {name}", f"R={lr.R:.4g}  p={lr.pvalue:.3g}  → {lr.favoured}")
             for name, lr in r.ratios.items()]
    rows += [
        ("baseline alpha KS", f"Gaussian {base.gaussian.alpha:.4g}, permuted {base.permuted.alpha:.4g}"),
        ("baseline alpha Hill", f"Gaussian {base.gaussian_hill:.4g}, permuted {base.permuted_hill:.4g}"),
        ("phase", r.phase.value),
    ]
    return rows


def format_table(report: Report) -> str:
    """The report as a two-column text table (quantity, value)."""
    rows = _rows(report)
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


__dir__ = public_dir(__name__)
