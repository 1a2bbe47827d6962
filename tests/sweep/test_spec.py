"""Sweep specifications: grid expansion, log-ranges, --quick and overrides, repeat seeds, problem
sharing, and invalid sweeps rejected (ConfigError; the CLI prints one line and exits 2) before anything
runs."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from htcore import Config, ConfigError, make_problem
from htcore.cli import main
from htcore.sweep import PROBLEM_FIELDS, expand, load_spec, parse_spec, plan_tasks, repeat_seed
from tests.sweep.helpers import TINY_SWEEP, load_toml, tiny_spec, tiny_sweep


def test_expansion_order_points_and_log_range():
    spec = tiny_sweep()
    assert spec.grid["lr"] == (0.1, 10.0**0.5, 10.0**2)
    runs = expand(spec)
    assert len(runs) == 12 and len({r.key for r in runs}) == 12
    assert [r.repeat for r in runs] == [0] * 6 + [1] * 6
    assert runs[1].point == {"optimizer": "gd", "lr": 10.0**0.5}
    assert all(r.config.n == 60 and r.config.steps == 4 for r in runs)


def test_runs_of_a_repeat_share_the_seed_and_repeats_redraw():
    runs = expand(tiny_sweep())
    seeds = [{r.config.seed for r in runs if r.repeat == k} for k in (0, 1)]
    assert all(len(s) == 1 for s in seeds) and seeds[0] != seeds[1]
    assert seeds[0] == {repeat_seed(11, 0)} and seeds[1] == {repeat_seed(11, 1)}
    expected = np.random.SeedSequence(11, spawn_key=(1,)).generate_state(1, np.uint64)[0] >> 1
    assert repeat_seed(11, 1) == int(expected)
    p0, p1 = (make_problem(runs[k].config) for k in (0, 6))
    assert not np.array_equal(p0.W0, p1.W0) and not np.array_equal(p0.X, p1.X)


def test_problem_fields_are_all_make_problem_reads():
    """Changing any field outside PROBLEM_FIELDS leaves every array of make_problem unchanged, so
    the runs of a task may share one problem; changing a problem field changes some array."""
    base = Config(n=20, d=6, h=8, n_test=5)
    changes = {"activation": "erf", "optimizer": "gd", "lr": 3.0, "steps": 2, "probe_every": 2,
               "momentum": 0.5, "weight_decay": 0.1, "adam_beta1": 0.5, "adam_beta2": 0.5,
               "adam_eps": 1e-3, "lr_gamma": 0.5, "weight_normalization": True,
               "eval_scaling": "reference", "reg_lambda": 0.5}
    assert set(changes) | set(PROBLEM_FIELDS) == {f.name for f in dataclasses.fields(Config)}
    reference = make_problem(base)
    changed = base.replace(**{k: v for k, v in changes.items() if k != "optimizer"}, optimizer="gd")
    for name, array in dataclasses.asdict(make_problem(changed)).items():
        assert np.array_equal(array, getattr(reference, name)), name
    problem_changes = {"seed": 1, "n": 21, "d": 7, "h": 9, "n_test": 6, "label_noise_std": 0.5,
                       "teacher": "tanh", "teacher_direction": "e1", "readout_scale": 2.0,
                       "dtype": "float32"}
    for name, value in problem_changes.items():
        other = dataclasses.asdict(make_problem(base.replace(**{name: value})))
        assert any(np.shape(v) != np.shape(getattr(reference, k))
                   or not np.array_equal(v, getattr(reference, k)) for k, v in other.items()), name


def test_tasks_group_runs_by_problem():
    configs = [r.config for r in expand(tiny_sweep())]
    tasks = plan_tasks(configs, slots=2)
    assert sorted(c.key() for t in tasks for c in t.configs) == sorted(c.key() for c in configs)
    for task in tasks:
        assert len({tuple(getattr(c, f) for f in PROBLEM_FIELDS) for c in task.configs}) == 1
    assert len(tasks) == 6  # 12 runs, ≥ 4 tasks per slot: 2 runs per task
    with pytest.raises(ValueError, match="slots: got 0"):
        plan_tasks(configs, slots=0)


def test_quick_table_and_overrides(tmp_path):
    text = TINY_SWEEP + "[quick]\nrepeats = 1\nbase = { n = 30 }\ngrid = { lr = [1.0] }\n"
    path = tiny_spec(tmp_path / "q.toml", text)
    quick = load_spec(path, quick=True)
    assert (quick.repeats, quick.base["n"], quick.grid["lr"]) == (1, 30, (1.0,))
    assert load_spec(path).repeats == 2
    fixed = load_spec(path, overrides={"lr": 5.0, "h": 12})
    assert "lr" not in fixed.grid and fixed.base["lr"] == 5.0 and fixed.base["h"] == 12
    assert len(expand(fixed)) == 4


BAD_SPECS = [
    ("repeats = 0", "repeats: got 0"),
    ("colour = 1", "sweep: unknown key 'colour'"),
    ("[base]\nlearning_rate = 1", "base.learning_rate: unknown config field"),
    ("[base]\nseed = 3", "base.seed: run seeds derive"),
    ("[grid]\nlr = 3", "grid.lr: got 3; expected a non-empty list"),
    ("[grid]\nlr = []", "grid.lr: got []"),
    ("[grid]\nlr = { log10_start = 0, num = 3 }", "grid.lr: log-range needs"),
    ("[grid]\nlr = [1, -1]", "grid point lr=-1: lr: got -1.0"),
    ("[grid]\noptimizer = ['gd', 'sgd']", "grid point optimizer='sgd': optimizer: got 'sgd'"),
    ("[grid]\nlr = [1, 1.0]", "grid: points {'lr': 1} and {'lr': 1.0} give the same config"),
    ("seed = -1", "seed: got -1"),
    ("[quick]\nsteps = 2", "quick: unknown key 'steps'"),
    ("repeats = ", "is not valid TOML"),
]


@pytest.mark.parametrize("text, message", BAD_SPECS)
def test_invalid_sweep_is_one_line_exit_2_and_nothing_runs(tmp_path, capsys, text, message):
    path = tiny_spec(tmp_path / "bad.toml", "name = 'bad'\n" + text + "\n")
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("htcore sweep: error: ") and message in err
    assert not out.exists()
    if "TOML" not in message:
        with pytest.raises(ConfigError):
            parse_spec(load_toml("name = 'bad'\n" + text + "\n"))


@pytest.mark.parametrize("argv, message", [
    (["sweep", "{spec}", "--workers", "0"], "--workers: got 0"),
    (["sweep", "{spec}", "--set", "n=0"], "n: got 0"),
    (["sweep", "{missing}"], "does not exist"),
    (["sweep", "{spec}", "--scheduler", "x:1", "--dask-local", "2"], "not allowed with"),
    (["results", "{missing}"], "has no index.sqlite"),
    (["reproduce", "--only", "vary_m", "--out", "{out}"], "--only: got 'vary_m'"),
])
def test_bad_command_lines_exit_2(tmp_path, capsys, argv, message):
    names = {"spec": str(tiny_spec(tmp_path / "s.toml")), "missing": str(tmp_path / "nope"),
             "out": str(tmp_path / "out")}
    try:
        code = main([a.format(**names) for a in argv])
    except SystemExit as exit_:  # argparse usage errors exit directly
        code = exit_.code
    assert code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err
