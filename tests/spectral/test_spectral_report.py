"""analyse / format_table / load_matrix, the `htcore spectrum` subcommand and its plot."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from htcore.cli import main
from htcore.spectral import SpectralInputError
from htcore.spectral.report import analyse, format_table, load_matrix


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
