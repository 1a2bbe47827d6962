"""analyse / format_table / load_matrix, the `htcore spectrum` subcommand and its plot."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from htcore.cli import main
from htcore.spectral import SpectralInputError
from htcore.spectral.report import analyse, format_table, load_matrix
from theory.htsr import Phase


def test_analyse_and_table() -> None:
    W = np.random.default_rng(0).standard_normal((300, 200))
    report = analyse(W, n_boot=20, seed=1)
    again = analyse(W, n_boot=20, seed=1)
    assert np.array_equal(report.bootstrap.D_boot, again.bootstrap.D_boot)
    assert report.baselines == again.baselines
    table = format_table(report)
    for label in ("sigma1", "MP bulk edge", "spikes above edge+TW", "alpha Hill", "alpha KS",
                  "bootstrap p", "LR vs lognormal", "baseline alpha KS", "phase"):
        assert label in table
    assert "random-like" in table


def test_load_matrix_formats(tmp_path: Path) -> None:
    W = np.arange(12.0).reshape(3, 4)
    np.save(tmp_path / "w.npy", W)
    np.savez(tmp_path / "two.npz", W=W, b=np.ones(2))
    (tmp_path / "run").mkdir()
    np.savez(tmp_path / "run" / "weights.npz", W=W)
    assert np.array_equal(load_matrix(tmp_path / "w.npy"), W)
    assert np.array_equal(load_matrix(tmp_path / "two.npz", "W"), W)
    assert np.array_equal(load_matrix(tmp_path / "run"), W)
    with pytest.raises(SpectralInputError, match="choose one with --key"):
        load_matrix(tmp_path / "two.npz")
    with pytest.raises(SpectralInputError, match="no array 'x'"):
        load_matrix(tmp_path / "two.npz", "x")
    with pytest.raises(SpectralInputError, match="no such file"):
        load_matrix(tmp_path / "missing.npy")
    with pytest.raises(SpectralInputError, match="2-D"):
        load_matrix(tmp_path / "two.npz", "b")


def test_cli_spectrum_with_plot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rng = np.random.default_rng(2)
    np.save(tmp_path / "w.npy", rng.pareto(1.5, (300, 200)))
    png = tmp_path / "esd.png"
    assert main(["spectrum", str(tmp_path / "w.npy"), "--n-boot", "20", "--quiet", "--plot", str(png)]) == 0
    out = capsys.readouterr().out
    assert "heavy-tailed" in out and "plot:" in out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_spectrum_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    np.save(tmp_path / "v.npy", np.ones(5))
    assert main(["spectrum", str(tmp_path / "v.npy")]) == 2
    assert "2-D" in capsys.readouterr().err


def matrix_with_eigenvalues(lam: np.ndarray, h: int, seed: int = 0) -> np.ndarray:
    """An h×d matrix (d = lam.size ≤ h) whose Gram WᵀW has exactly the eigenvalues `lam`."""
    rng = np.random.default_rng(seed)
    U, _ = np.linalg.qr(rng.standard_normal((h, lam.size)))
    V, _ = np.linalg.qr(rng.standard_normal((lam.size, lam.size)))
    return (U * np.sqrt(lam)) @ V.T


def test_rejected_power_law_claims_no_heavy_tail(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Log-uniform eigenvalues on [1, 1000] (density ∝ 1/λ on a bounded range: no power-law tail): the KS
    fit alone calls it heavy-tailed (α ≈ 2), the bootstrap rejects the fit (Clauset et al. 2009), so the
    report claims bulk-decay and prints the rejection instead of "fit reliable"."""
    lam = np.exp(np.random.default_rng(7).uniform(0.0, np.log(1000.0), 300))
    W = matrix_with_eigenvalues(lam, 600)
    report = analyse(W, n_boot=100, seed=0)
    assert report.classification.phase is Phase.HEAVY_TAILED  # what the fit alone would have claimed
    assert report.bootstrap.pvalue < 0.1 and report.power_law_rejected
    assert report.phase is Phase.BULK_DECAY
    table = format_table(report)
    assert f"rejected (p = {report.bootstrap.pvalue:.3f} ≤ 0.1" in row(table, "power law")
    assert "fit reliable" not in table and "heavy" not in table
    assert row(table, "phase").endswith("bulk-decay")
    np.save(tmp_path / "w.npy", W)
    assert main(["spectrum", str(tmp_path / "w.npy"), "--n-boot", "100", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "rejected (p = " in row(out, "power law") and "heavy-tailed" not in out


def test_pareto_sample_keeps_the_power_law() -> None:
    W = np.random.default_rng(2).pareto(1.5, (300, 200))
    report = analyse(W, n_boot=100, seed=0)
    assert report.bootstrap.pvalue > 0.1 and not report.power_law_rejected
    assert report.phase is report.classification.phase is Phase.HEAVY_TAILED
    table = format_table(report)
    assert row(table, "power law").split("  ", 1)[1].strip().startswith("not rejected (p = ")
    assert "fit reliable" in table and row(table, "phase").endswith("heavy-tailed")


def test_spectral_analyse_is_the_report_entry() -> None:
    import htcore.spectral

    assert htcore.spectral.analyse is analyse and "analyse" in htcore.spectral.__all__


def row(table: str, name: str) -> str:
    (line,) = [line for line in table.splitlines() if line.startswith(f"{name} ")]
    return line
