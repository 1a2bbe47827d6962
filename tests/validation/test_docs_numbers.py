"""The numbers docs/validation.md and the README's validation section quote, against their sources.

Sources: the constants of the validation modules (biases, targets, grids, profiles), the calibration file
(``validation/calibration.json``: ``mean`` and ``scatter`` of each check's error on calibration seeds), the
committed reports (``docs/validation-report-quick.md``, ``docs/validation-report-full.md``) and, for the
published trajectory and the power requirements, the modules and tests that hold them. Nothing is
simulated and no value is typed here: when the calibration or the reports are regenerated, these tests say
which quoted number no longer matches (the README's generated block: ``python -m validation.report
--sync-readme``).

Quoted numbers are compared at the precision they are written with (``−0.60 %`` matches a mean error in
[−0.00605, −0.00595)). Text is compared with whitespace collapsed and the minus sign normalised.
Not covered here: the bbp section, the outlier definition and outlier-count row of one_step_spectrum,
and the calibration bullet of docs/validation.md "At a glance".
"""

from __future__ import annotations

import ast
import json
import math
import re
from functools import cache
from pathlib import Path

import pytest
from scipy import stats

from validation import power, registry
from validation.checks import K_SIGMA
from validation.report import COMMITTED_REPORTS, README_BEGIN, README_END, readme_block, report_tables
from validation.suites import _one_step_common as onestep
from validation.suites import finite_size, gd_one_step, multi_step, one_step_spectrum, scales, spiked
from validation.tasks import PROFILES, ROOT_SEED

SUITES = registry.names()

ROOT = Path(__file__).resolve().parents[2]
ONE_STEP_SUITES = {"gd_one_step", "adam_one_step"}
NUMBER = r"[+-]?\d+(?:\.\d+)?"


# --------------------------------------------------------------------------- reading


def _flat(text: str) -> str:
    """Whitespace collapsed, Unicode minus → "-", markdown's escaped "|" unescaped."""
    return " ".join(text.replace("−", "-").replace("\\|", "|").split())


@cache
def _text(relative: str) -> str:
    return (ROOT / relative).read_text(encoding="utf-8")


def _section(text: str, heading: str) -> str:
    """From the heading line that starts with `heading` to the next heading of the same or a higher level."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(heading))
    level = len(heading) - len(heading.lstrip("#"))
    end = next((i for i in range(start + 1, len(lines))
                if re.match(rf"#{{1,{level}}} ", lines[i])), len(lines))
    return "\n".join(lines[start:end])


def validation_md(heading: str | None = None) -> str:
    text = _text("docs/validation.md")
    return _flat(_section(text, heading) if heading else text)


def readme_validation() -> str:
    """The overview of the suites, the PASS policy and the open targets: it was the README's validation
    section; the README now keeps a short summary and its generated block, this lives in docs/validation.md."""
    return _section(_text("docs/validation.md"), "## At a glance")


@cache
def calibration() -> dict:
    return json.loads(_text("validation/calibration.json"))["profiles"]


def mean(key: str, profile: str = "quick") -> float:
    return calibration()[profile]["mean"][key]


def scatter(key: str, profile: str = "quick") -> float:
    return calibration()[profile]["scatter"][key]


def report(profile: str) -> dict[str, list[dict[str, str]]]:
    return report_tables(_text(COMMITTED_REPORTS[profile]))


def quoted(text: str, value: float, scale: float = 1.0) -> bool:
    """True iff the number `text` equals `value`·`scale` at the precision `text` is written with."""
    decimals = len(text.split(".")[1]) if "." in text else 0
    return abs(float(text) - value * scale) <= 0.5 * 10.0 ** -decimals + 1e-12


def find(pattern: str, text: str) -> re.Match:
    m = re.search(pattern, text)
    assert m, f"not found in the docs: {pattern!r}"
    return m


def percent(fraction: float) -> str:
    return f"{100 * fraction:g} %"


# --------------------------------------------------------------------------- docs/validation.md: policy


def test_root_seed_and_tolerance_policy():
    text = validation_md()
    assert f"SeedSequence({ROOT_SEED})" in text
    k = find(rf"bias \+ ({NUMBER}) · scatter / √seeds", text).group(1)
    assert float(k) == K_SIGMA
    assert f"**{K_SIGMA:g}** standard errors" in text
    false_alarm = find(rf"a false alarm per check is ≈ ({NUMBER}) %", text).group(1)
    assert quoted(false_alarm, 2 * stats.norm.sf(K_SIGMA), 100)


def test_profile_sizes():
    text = validation_md("## 2. Tolerance policy")
    d, h, n = (int(x) for x in find(r"default size d = (\d+) \(h = (\d+), n = (\d+)\)", text).groups())
    for profile in PROFILES:
        assert gd_one_step.SIZES[profile]["d"] == multi_step.SIZES[profile]["d"] == d
    assert onestep.sizes(d) == {"n": n, "d": d, "h": h}


def test_enlarged_bias_is_the_one_named_and_its_calibration_means():
    text = validation_md("## 2. Tolerance policy")
    m = find(rf"η ≥ ({NUMBER})·η_c is allowed ({NUMBER}) % \(`EDGE_GIANT_BIAS`.*?instead of the ({NUMBER}) % used at "
             rf"η ≤ ({NUMBER})·η_c \(`EDGE_BIAS`\)", text)
    giant_from, giant, small, below = (float(x) for x in m.groups())
    assert giant_from == min(x for x in onestep.MULTIPLES if x >= onestep.EDGE_GIANT_FROM)
    assert below == max(x for x in onestep.MULTIPLES if x < onestep.EDGE_GIANT_FROM)
    assert giant == 100 * onestep.EDGE_GIANT_BIAS and small == 100 * onestep.EDGE_BIAS
    assert f"from {onestep.EDGE_GIANT_FROM:g}·η_c on" in text


def test_every_sigma2_calibration_mean_quoted_matches_the_file():
    """"−0.60 % (GD, 12·η_c)" anywhere in docs/validation.md is the calibration mean of that σ2 row; the two
    quoted in the bias table are the extremes over η ≥ 12·η_c."""
    text = validation_md()
    hits = re.findall(rf"({NUMBER}) % \((GD|Adam), ({NUMBER})·η_c\)", text)
    assert len(hits) >= 4
    for value, opt, m in hits:
        assert quoted(value, mean(f"{opt.lower()}_one_step/σ2 vs predicted bulk edge (plug-in), η = {m}·η_c"), 100)
    giant = [mean(f"{opt}_one_step/σ2 vs predicted bulk edge (plug-in), η = {m:g}·η_c")
             for opt in ("gd", "adam") for m in onestep.MULTIPLES if m >= onestep.EDGE_GIANT_FROM]
    worst = find(rf"worst mean ({NUMBER}) % \(GD, \d+·η_c\) and ({NUMBER}) % \(Adam", text).groups()
    assert quoted(worst[0], min(giant), 100) and quoted(worst[1], max(giant), 100)


# --------------------------------------------------------------------------- docs/validation.md: suites


def test_spiked_biases_and_calibration_range():
    text = validation_md("### spiked")
    m = find(rf"Bias: ({NUMBER}) % in σ1 .*?mean error at s ≥ ({NUMBER})·s_c is ({NUMBER}) … ({NUMBER}) % over the "
             rf"shapes of both profiles\) and ({NUMBER}) in the overlaps", text)
    bias, above, low, high, overlap = m.groups()
    assert float(bias) == 100 * spiked.SIGMA1_BIAS and float(overlap) == spiked.OVERLAP_BIAS
    assert float(above) == min(x for x in spiked.MULTIPLES if x > 1.0)
    means = [v for p in calibration().values() for k, v in p["mean"].items()
             if k.startswith("spiked/σ1, ") and float(re.search(r"s = ([\d.]+)·s_c", k).group(1)) >= float(above)]
    assert quoted(low, min(means), 100) and quoted(high, max(means), 100)
    assert float(find(rf"overlaps ≤ ({NUMBER})", text).group(1)) == spiked.SUBCRITICAL_OVERLAP_BOUND


def _table(section: str) -> list[list[str]]:
    rows = [line for line in _section(_text("docs/validation.md"), section).splitlines() if line.startswith("|")]
    return [[_flat(c) for c in re.split(r"(?<!\\)\|", r)[1:-1]] for r in rows[2:]]


def test_one_step_multiples_and_bias_table():
    text = validation_md("### gd_one_step and adam_one_step")
    listed = find(r"at η = ([\d., ]+) × η_c", text).group(1)
    assert tuple(float(x) for x in listed.split(",")) == onestep.MULTIPLES
    expected = {
        "σ1 (plug-in, asymptotic)": percent(onestep.SIGMA1_BIAS),
        "⟨v1,β⟩², GD ⟨u1,a/‖a‖⟩²": f"{onestep.OVERLAP_BIAS:g}",
        "Adam ⟨u1,a/‖a‖⟩²": f"{onestep.ADAM_OVERLAP_A_BIAS:g}",
        "σ2 vs predicted bulk edge + TW mean": percent(onestep.EDGE_BIAS),
        "the same, η ≥": percent(onestep.EDGE_GIANT_BIAS),
        "GD per-neuron": percent(onestep.PER_NEURON_BIAS) + " (relative)",
        "Adam signal fraction q": f"{onestep.Q_BIAS:g}",
        "below threshold": "one TW scale",
    }
    rows = _table("### gd_one_step and adam_one_step")
    for prefix, bias in expected.items():
        (row,) = [r for r in rows if r[0].startswith(prefix)]
        assert row[1] == bias, (prefix, row[1])
    (adam_overlap,) = [r for r in rows if r[0].startswith("Adam ⟨u1,a/‖a‖⟩²")]
    within = float(find(rf"calibration seeds: within ({NUMBER})", adam_overlap[2]).group(1))
    worst = max(abs(v) for k, v in calibration()["quick"]["mean"].items()
                if k.startswith("adam_one_step/⟨u1,a⟩²") and float(re.search(r"η = ([\d.]+)·η_c", k).group(1)) > 1)
    assert worst <= within < worst + 1e-4
    (below,) = [r for r in rows if r[0].startswith("below threshold")]
    assert f"({min(onestep.MULTIPLES):g}·η_c)" in below[0]


def test_eta_multiples_quoted_exist_in_the_code():
    """Every "x·η_c" of the policy, one-step, finite-size and open-target sections is a multiple the one-step
    suites run at (or the giant-step boundary)."""
    text = "\n".join(_section(_text("docs/validation.md"), h) for h in
                     ("## 2. Tolerance policy", "### gd_one_step and adam_one_step", "### finite_size",
                      "## 4. Open targets"))
    allowed = set(onestep.MULTIPLES) | {onestep.EDGE_GIANT_FROM}
    quoted_multiples = {float(x) for x in re.findall(r"(\d+(?:\.\d+)?)·η_c", text)}
    assert quoted_multiples and quoted_multiples <= allowed, quoted_multiples - allowed
    readme = readme_validation()
    assert {float(x) for x in re.findall(r"(\d+(?:\.\d+)?)·η_c", readme.split(README_BEGIN)[0])} <= allowed


def test_one_step_spectrum_biases():
    text = validation_md("### one_step_spectrum")
    assert f"largest bulk singular value (bias {percent(one_step_spectrum.EDGE_BIAS)})" in text
    ks = find(rf"bias ({NUMBER}) plug-in, ({NUMBER}) asymptotic", text).groups()
    assert tuple(float(x) for x in ks) == (one_step_spectrum.KS_BIAS["plugin"], one_step_spectrum.KS_BIAS["asymptotic"])
    assert f"the top outlier (bias {percent(one_step_spectrum.OUTLIER_BIAS)})" in text
    assert f"its two overlaps (bias {one_step_spectrum.OVERLAP_BIAS:g})" in text


def test_finite_size_and_scales():
    text = validation_md("### finite_size")
    ladder = find(r"At d = (\d+) … (\d+) \(quick\) or (\d+) \(full\), η = ({NUMBER})·η_c".replace("{NUMBER}", NUMBER),
                  text).groups()
    quick, full = finite_size.SIZES["quick"]["ds"], finite_size.SIZES["full"]["ds"]
    assert (int(ladder[0]), int(ladder[1]), int(ladder[2])) == (quick[0], quick[-1], full[-1])
    assert float(ladder[3]) == finite_size.MULTIPLE
    text = validation_md("### scales")
    assert f"bias {percent(scales.APPROX_BIAS)}" in text
    factor, short = find(rf"‖W1 - W0‖_F = ({NUMBER})·η·√\(hd\), i.e. ({NUMBER}) % short", text).groups()
    assert f"‖W1 − W0‖_F = {factor}·η·√(hd)" in _text("docs/model.md")
    assert quoted(short, 1 - float(factor), 100)


def test_multi_step_runs_reference_and_onset():
    text = validation_md("### multi_step")
    gd = find(r"GD η ∈ \{([^}]*)\}", text).group(1)
    adam = find(r"Adam η ∈ \{([^}]*)\}", text).group(1)
    assert [float(x) for x in gd.split(",")] == [lr for opt, lr, _ in multi_step.RUNS if opt == "gd"]
    assert [float(x) for x in adam.split(",")] == [lr for opt, lr, _ in multi_step.RUNS if opt == "adam"]
    assert f"at n = {onestep.sizes(multi_step.SIZES['quick']['d'])['n']}" in text
    alpha = find(r"α_Hill per step ([\d., ]+) \(one seed\)", text).group(1)
    assert tuple(float(x) for x in alpha.strip(" ,").split(",")) == multi_step.REFERENCE_ALPHA
    bias, extra = find(rf"within ({NUMBER}) \+ 3·sd·√\(1/seeds \+ ({NUMBER})\)", text).groups()
    assert float(bias) == multi_step.REFERENCE_BIAS and float(extra) == 1 / multi_step.REFERENCE_SEEDS
    assert f"α_Hill ≤ {multi_step.ONSET_ALPHA:g}" in text and f"a drop ≤ {multi_step.NO_DECAY_DROP:g}" in text
    onset = find(r"for GD η ≥ (\d+) and Adam η = (\d+);", text).groups()
    assert min(lr for opt, lr, on in multi_step.RUNS if opt == "gd" and on) == float(onset[0])
    assert [lr for opt, lr, on in multi_step.RUNS if opt == "adam" and on] == [float(onset[1])]


# --------------------------------------------------------------------------- docs/validation.md: open targets


def _open_rows() -> dict[str, list[str]]:
    rows = _table("## 4. Open targets")
    out = {}
    for key, start in (("gd σ2", "GD: σ2"), ("adam σ2", "Adam: the same"), ("adam σ1", "Adam plug-in σ1"),
                       ("q", "finite_size: Adam q"), ("trajectory", "per-step σ1")):
        (row,) = [r for r in rows if r[0].startswith(start)]
        out[key] = row
    return out


def _open_report_row(profile: str, suite: str, quantity: str) -> dict[str, str]:
    (row,) = [r for r in report(profile)["Open targets"] if r["suite"] == suite and r["quantity"] == quantity]
    return row


def test_open_target_sigma2_rows():
    rows = _open_rows()
    giant = min(x for x in onestep.MULTIPLES if x >= onestep.EDGE_GIANT_FROM)
    for key in ("gd σ2", "adam σ2"):
        assert rows[key][1] == f"{percent(onestep.EDGE_PER_SEED_TARGET)} on the worst seed"
    assert f"η ≥ {giant:g}·η_c" in rows["gd σ2"][0]
    error, m = find(rf"worst-seed \|relative error\| ({NUMBER}) at ({NUMBER})·η_c", rows["gd σ2"][2]).groups()
    row = _open_report_row("full", "gd_one_step", f"σ2 vs predicted bulk edge (plug-in), every seed, η = {m}·η_c")
    measured = next(v for k, v in row.items() if k.startswith("measured error")).split(" ± ")[0]
    assert quoted(error, float(measured))
    m, value, sd = find(rf"calibration seeds at ({NUMBER})·η_c: mean error ({NUMBER}) %, sd ({NUMBER}) %",
                        rows["adam σ2"][2]).groups()
    key = f"adam_one_step/σ2 vs predicted bulk edge (plug-in), η = {m}·η_c"
    assert quoted(value, mean(key), 100) and quoted(sd, scatter(key), 100)


def test_open_target_adam_sigma1_row():
    row = _open_rows()["adam σ1"]
    assert row[1] == f"{percent(onestep.SIGMA1_BIAS)}, the bias of the gating plug-in σ1 rows at η ≥ 3·η_c"
    m = float(find(rf"at ({NUMBER})·η_c", row[0]).group(1))
    assert m == min(x for x in onestep.MULTIPLES if x > 1.0)
    value, sd = find(rf"calibration seeds: ({NUMBER}) %, sd ({NUMBER}) %", row[2]).groups()
    key = f"adam_one_step/σ1 plug-in, η = {m:g}·η_c"
    assert quoted(value, mean(key), 100) and quoted(sd, scatter(key), 100)


def test_open_target_q_row():
    row = _open_rows()["q"]
    assert f"d > {finite_size.EPS_NEGLIGIBLE_MAX_D}" in row[0] and row[1].startswith(f"{finite_size.Q_BIAS:g},")
    values, first, last = find(r"plug-in - simulation ([\d., ]+) at d = (\d+) … (\d+)", row[2]).groups()
    ds = finite_size.SIZES["full"]["ds"]
    assert (int(first), int(last)) == (ds[0], ds[-1])
    numbers = [x for x in values.strip(" ,").split(", ")]
    assert len(numbers) == len(ds)
    for text, d in zip(numbers, ds):
        assert quoted(text, mean(f"finite_size/Adam q, d = {d}: plug-in − simulation", "full"))


def test_open_target_trajectory_row():
    row = _open_rows()["trajectory"]
    runs = ", ".join(f"{'GD' if opt == 'gd' else 'Adam'} η = {lr:g}" for opt, lr in multi_step.TRAJECTORY_RUNS)
    steps = ", ".join(str(t) for t in multi_step.TARGET_STEPS)
    assert f"({runs}; steps {steps})" in row[0]
    t = multi_step.TARGETS
    assert row[1] == f"{percent(t['sigma1'])} (relative), {t['sim']:g}, {t['alpha_hill']:g}"


# --------------------------------------------------------------------------- docs/validation.md: power


def required_perturbations() -> dict:
    """``REQUIRED`` of tests/validation/test_validation.py (the sizes the power tests require), read from
    its source, so that this test does not depend on that module's imports."""
    tree = ast.parse(_text("tests/validation/test_validation.py"))
    (node,) = [n for n in tree.body if isinstance(n, ast.Assign)
               and any(isinstance(t, ast.Name) and t.id == "REQUIRED" for t in n.targets)]
    return ast.literal_eval(node.value)


def test_power_table_matches_the_required_perturbations():
    REQUIRED = required_perturbations()
    rows = {r[0]: r for r in _table("## 5. Power")}
    expected = {  # docs row label → the REQUIRED entries it states
        "one-step σ1 (plug-in and asymptotic)": ["one-step σ1 (plug-in and asymptotic)"],
        "bulk edge": ["one-step bulk edge"],
        "⟨v1,β⟩², ⟨u1,a⟩², per-neuron alignment": ["one-step ⟨v1,β⟩²", "one-step ⟨u1,a⟩²", "GD per-neuron alignment"],
        "Adam q": ["Adam signal fraction q"],
        "asymptotic σ1 alone, constant": ["asymptotic σ1 only (constant bias)"],
        "spiked-matrix σ1": ["spiked-matrix σ1 (BGN)", "spiked-matrix overlaps (BGN)"],
        "BBP learning rate": ["BBP learning rate"],
        "eigenvalue law: α_Hill": ["eigenvalue law: α_Hill"],
        "published α_Hill trajectory": ["α_Hill trajectory (published code)"],
    }
    covered = set()
    for label, names in expected.items():
        (row,) = [r for key, r in rows.items() if key.startswith(label)]
        stated = re.findall(rf"(±|\+) ({NUMBER})( %)?", row[0])
        if len(stated) == 1:  # one size for every quantity of the row
            stated = stated * len(names)
        assert len(stated) == len(names), (label, stated)
        for (sign, value, pct), name in zip(stated, names):
            sizes, suites = REQUIRED[name]
            assert {abs(s) for s in sizes} == {float(value) / (100 if pct else 1)}, (label, name)
            assert (sign == "±") == (len(sizes) == 2), (label, name)
            caught = set(re.findall(r"[a-z_]+", row[2]))
            assert caught & suites or ("one-step suites" in row[2] and suites <= ONE_STEP_SUITES), (label, row[2])
        covered |= set(names)
    assert covered == set(REQUIRED)


# --------------------------------------------------------------------------- README


def test_readme_results_block_is_generated_from_the_committed_reports():
    text = _text("README.md")
    assert text.count(README_BEGIN) == 1 and text.count(README_END) == 1
    block = text[text.index(README_BEGIN):text.index(README_END) + len(README_END)]
    expected = readme_block(_text(COMMITTED_REPORTS["quick"]), _text(COMMITTED_REPORTS["full"]))
    assert block == expected, "README out of date: run python -m validation.report --sync-readme"


def test_readme_suites_sizes_policy_and_power_grid():
    text = _flat(readme_validation().split(README_BEGIN)[0])
    words = {"six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}
    assert words[find(r"runs (\w+) suites", text).group(1)] == len(SUITES)
    low, high = find(rf"η from ({NUMBER}) to ({NUMBER}) × η_c", text).groups()
    assert (float(low), float(high)) == (min(onestep.MULTIPLES), max(onestep.MULTIPLES))
    d, h, n = (int(x) for x in find(r"\(d = (\d+), h = (\d+), n = (\d+)\)", text).groups())
    assert all(gd_one_step.SIZES[p]["d"] == d for p in PROFILES) and onestep.sizes(d) == {"n": n, "d": d, "h": h}
    assert int(find(r"finite-size ladder up to d = (\d+)", text).group(1)) == max(finite_size.SIZES["full"]["ds"])
    assert f"`bias + {K_SIGMA:g}·scatter/√seeds`" in text
    rel, absolute = find(r"\(grid ([\d., ]+) % relative or (.+?) absolute\)", text).groups()
    assert tuple(float(x) / 100 for x in rel.split(",")) == power.REL
    assert absolute == f"{power.ABS[0]:g} … {power.ABS[-1]:g}"
    figure_seeds = int(find(r"simulated bulk of (\d+) seeds", _text("docs/validation.md")).group(1))
    assert figure_seeds == one_step_spectrum.SIZES["full"]["seeds"]
    readme = _flat(_text("README.md"))
    assert f"`bias + {K_SIGMA:g}·scatter/√seeds`" in readme
    assert words[find(r"in (\w+) suites", readme).group(1)] == len(SUITES)


#: README item (its first words) → how the open-target rows it stands for are named in a report.
README_OPEN_ITEMS = {
    "σ2 within": lambda suite, name: suite in ("gd_one_step", "adam_one_step") and "every seed" in name,
    "Adam's plug-in σ1": lambda suite, name: suite == "adam_one_step" and name.startswith("σ1 plug-in"),
    "the asymptotic eigenvalue law's GD outlier count": lambda suite, name: (
        suite == "one_step_spectrum" and name.startswith("outlier count, gd, asymptotic")),
    "the asymptotic Adam law's α_Hill": lambda suite, name: (
        suite == "one_step_spectrum" and name.startswith("α_Hill, adam, asymptotic")),
    "Adam's q": lambda suite, name: suite == "finite_size" and name.startswith("Adam q"),
    "σ1, sim and α_Hill": lambda suite, name: suite == "multi_step",
}


def _readme_open_items() -> dict[str, str]:
    text = readme_validation()
    block = text[text.index("Only these are open"):text.index("- **Proven power.**")]
    items = [_flat(x) for x in re.split(r"\n\s*- ", block)[1:]]
    out = {}
    for item in items:
        (key,) = [k for k in README_OPEN_ITEMS if item.startswith(k)] or [item]
        out[key] = item
    return out


def test_readme_open_list_matches_the_open_target_rows_of_the_reports():
    items = _readme_open_items()
    assert set(items) == set(README_OPEN_ITEMS), "README open-target list and README_OPEN_ITEMS differ"
    for profile in COMMITTED_REPORTS:
        for row in report(profile)["Open targets"]:
            matches = [k for k, belongs in README_OPEN_ITEMS.items() if belongs(row["suite"], row["quantity"])]
            assert len(matches) == 1, (profile, row["suite"], row["quantity"])
            assert f"`{row['suite']}`" in items[matches[0]], (row["suite"], items[matches[0]])
    reported = {k for p in COMMITTED_REPORTS for r in report(p)["Open targets"]
                for k, belongs in README_OPEN_ITEMS.items() if belongs(r["suite"], r["quantity"])}
    assert reported == set(items), "an item of the README list has no open-target row in the committed reports"


def test_readme_open_list_numbers():
    items = _readme_open_items()
    giant = min(x for x in onestep.MULTIPLES if x >= onestep.EDGE_GIANT_FROM)
    assert f"within {percent(onestep.EDGE_PER_SEED_TARGET)}" in items["σ2 within"]
    assert f"at η ≥ {giant:g}·η_c" in items["σ2 within"]
    assert f"{min(x for x in onestep.MULTIPLES if x > 1):g}·η_c" in items["Adam's plug-in σ1"]
    assert f"at {one_step_spectrum.COUNT_OPEN_FROM:g}·η_c" in items["the asymptotic eigenvalue law's GD outlier count"]
    full_max = max(finite_size.SIZES["full"]["ds"])
    assert full_max > finite_size.EPS_NEGLIGIBLE_MAX_D >= max(finite_size.SIZES["quick"]["ds"])
    assert f"d = {full_max}, full profile only" in items["Adam's q"]
    runs = " and ".join(f"{'GD' if o == 'gd' else 'Adam'} η = {lr:g}" for o, lr in multi_step.TRAJECTORY_RUNS)
    steps = ", ".join(str(t) for t in multi_step.TARGET_STEPS)
    assert f"at steps {steps} of {runs}" in items["σ1, sim and α_Hill"]


@pytest.mark.parametrize("profile", list(COMMITTED_REPORTS))
def test_committed_reports_have_the_tables_the_docs_use(profile):
    tables = report(profile)
    assert tables["Summary"] and tables["Detection limits"] and "Open targets" in tables
    assert {r["suite"] for r in tables["Summary"]} == set(SUITES)
    assert all(math.isfinite(float(r.get("error", "nan").replace("–", "nan"))) for r in tables["Summary"])
