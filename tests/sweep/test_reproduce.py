"""`htcore reproduce` on tiny versions of the paper families (every figure kind is drawn), the paper
configs themselves (all seven families valid, full and --quick), and the odd-student test floor."""

from __future__ import annotations

import math

import pytest

from htcore import Config
from htcore.headline import headline_rows, headline_table
from htcore.reproduce import FAMILIES, PAPER_CONFIGS, odd_student_floor, reproduce
from htcore.sweep import expand, load_spec

TINY = "n = 60\nd = 16\nh = 24\nn_test = 20\n"
SPECS = {
    "single_run": "repeats = 1\n[base]\n" + TINY + "steps = 3\n[grid]\n"
                  "eval_scaling = ['intended', 'reference']\n",
    "lr_sweep": "repeats = 2\n[base]\n" + TINY + "steps = 3\nprobe_every = 3\n[grid]\n"
                "optimizer = ['gd', 'adam']\nlr = [0.1, 100.0]\n",
    "vary_n": "repeats = 2\n[base]\n" + TINY + "steps = 3\n[grid]\nn = [30, 60]\n",
    "vary_lambda": "repeats = 1\n[base]\n" + TINY + "steps = 3\n[grid]\nreg_lambda = [0.1, 1e-3]\n",
}


def test_reproduce_draws_every_figure_of_the_families(tmp_path):
    for family, text in SPECS.items():
        (tmp_path / f"{family}.toml").write_text(f"name = '{family}'\n{text}")
    out = tmp_path / "out"
    written = reproduce(out, families=list(SPECS), configs=tmp_path, workers=2, progress=False)
    names = sorted(p.name for p in written)
    assert names == sorted(["single_run_losses_intended.png", "single_run_losses_reference.png",
                            "single_run_esd.png", "single_run_alpha_sim.png",
                            "single_run_overlaps.png", "lr_sweep.png", "vary_n.png", "vary_lambda.png"])
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in written)
    assert (out / "lr_sweep" / "index.sqlite").is_file()
    rows = headline_rows(out)
    assert {r["family"] for r in rows} == set(SPECS)
    assert [r["quantity"] for r in rows if r["family"] == "single_run"] == [
        f"α_Hill at step {t} (Adam η = 1)" for t in (0, 1, 2)]
    assert {r["agrees"] for r in rows} <= {"yes", "**no**", "–"}
    # λ is the ridge readout's penalty only: the trained W, hence α_Hill, is the same at every λ
    (spread,) = [r for r in rows if r["quantity"].startswith("largest α_Hill difference")]
    assert spread["htcore"] == "0.000" and spread["agrees"] == "yes"
    assert headline_table(out).count("\n") == len(rows) + 1


@pytest.mark.parametrize("family", FAMILIES)
def test_paper_configs_expand(family):
    full, quick = (expand(load_spec(PAPER_CONFIGS / f"{family}.toml", quick=q)) for q in (False, True))
    assert full and quick and len(quick) <= len(full)
    assert all(r.config.n * r.config.d <= 2000 * 250 for r in quick)
    if family == "lr_sweep":
        assert len(full) == 9 * 2 * 2 * 5  # η × optimiser × evaluation scaling × repeats


def test_odd_student_floor():
    assert odd_student_floor(Config()) == pytest.approx(0.671246 + 0.09, abs=1e-6)
    assert odd_student_floor(Config(label_noise_std=0.0, teacher="tanh")) == pytest.approx(0.0,
                                                                                          abs=1e-12)
    assert odd_student_floor(Config(activation="relu")) is None
    relu = odd_student_floor(Config(teacher="relu", label_noise_std=0.0))
    assert relu == pytest.approx(0.5 - 0.25, abs=1e-9)  # E[relu²] = 1/2, odd part z/2
    assert math.isfinite(odd_student_floor(Config(teacher="linear")))
