"""A real install: build the wheel, install it into a fresh virtual environment and run every
subcommand from a directory outside the checkout, so that nothing works only because the source tree
happens to be on the path (package data such as the paper's sweep files must ship in the wheel).

The environment gets the running interpreter's site-packages appended to its path (a `.pth` file), so
numpy, numba and the rest need no download; htcore, theory and validation come from the wheel only
(checked). The wheel is built without build isolation, from a copy of the source tree, so the build
needs no network and no stale `build/` directory of the checkout can leak into it.
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import sysconfig
import time
import venv
import zipfile
from pathlib import Path

import numpy as np
import pytest

from htcore import Config

ROOT = Path(__file__).resolve().parent.parent
NOT_SOURCE = shutil.ignore_patterns(".git", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache",
                                    ".benchmarks", "runs", "out", "validation-report", "*.nbi", "*.nbc")
TINY = ["--set", "n=60", "--set", "d=16", "--set", "h=24", "--set", "n_test=20", "--set", "steps=2"]


def test_packaged_default_config_is_the_default():
    """htcore/configs/default.toml spells out every field of Config() (a template to copy)."""
    from importlib import resources

    path = resources.files("htcore") / "configs" / "default.toml"
    with resources.as_file(path) as file:
        assert Config.from_toml(file) == Config()
    assert all(f"\n{name} = " in "\n" + path.read_text() for name in Config().to_dict())


def build_wheel(dest: Path) -> Path:
    source = dest / "source"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet",
                    "--wheel-dir", str(dest / "wheels"), str(source)], check=True)
    (wheel,) = (dest / "wheels").glob("htcore-*.whl")
    return wheel


def make_env(dest: Path, wheel: Path) -> Path:
    """A fresh venv holding only the wheel; then the running interpreter's site-packages appended."""
    venv.create(dest, with_pip=False)
    env_python = dest / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(env_python), "install", "--no-deps",
                    "--quiet", "--disable-pip-version-check", str(wheel)], check=True)
    purelib = subprocess.run([str(env_python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                             capture_output=True, text=True, check=True).stdout.strip()
    ours = dict.fromkeys([*site.getsitepackages(), sysconfig.get_path("purelib"), sysconfig.get_path("platlib")])
    Path(purelib, "zz_dependencies_from_test_runner.pth").write_text("\n".join(ours) + "\n")
    return dest / "bin"


@pytest.mark.slow
def test_wheel_installs_and_every_subcommand_runs(tmp_path):
    start = time.perf_counter()
    wheel = build_wheel(tmp_path)
    names = zipfile.ZipFile(wheel).namelist()
    for required in ["htcore/configs/default.toml", "htcore/configs/paper/single_run.toml",
                     "htcore/cli.py", "theory/rmt.py", "validation/cli.py", "validation/suites/spiked.py",
                     "validation/studies/measure_bbp.py"]:
        assert required in names, f"{required} missing from {wheel.name}"
    assert len([n for n in names if n.startswith("htcore/configs/paper/")]) == 7
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    source_json = sorted(p.name for p in (ROOT / "validation").glob("*.json"))
    assert sorted(Path(n).name for n in names if n.startswith("validation/") and n.endswith(".json")) \
        == source_json
    assert not any(n.startswith(("tests/", "configs/", "benches/")) for n in names)

    bin_dir = make_env(tmp_path / "env", wheel)
    work = tmp_path / "work"  # outside the checkout: the source tree is not importable from here
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", NUMBA_NUM_THREADS="1")
    timings = {}

    def run(*argv: str) -> str:
        t0 = time.perf_counter()
        proc = subprocess.run([str(bin_dir / argv[0]), *argv[1:]], cwd=work, env=env, capture_output=True,
                              text=True, timeout=600)
        timings[" ".join(argv[:2])] = time.perf_counter() - t0
        assert proc.returncode == 0, f"{' '.join(argv)} exited {proc.returncode}:\n{proc.stderr[-3000:]}"
        return proc.stdout

    where = run("python", "-c", "import htcore, theory, validation; "
                                "print(htcore.__file__, theory.__file__, validation.__file__)").split()
    assert all(Path(p).is_relative_to(tmp_path / "env") for p in where), where

    out = run("htcore", "run", *TINY, "--out", "run", "--quiet")
    assert "status: ok" in out and (work / "run" / "weights.npz").is_file()

    np.save(work / "W.npy", np.load(work / "run" / "weights.npz")["W"])
    out = run("htcore", "spectrum", "W.npy", "--n-boot", "20", "--quiet")
    assert "α" in out or "alpha" in out

    out = run("htcore", "reproduce", "--quick", "--only", "single_run", "--out", "repro", "--workers", "1",
              "--quiet")
    assert (work / "repro" / "single_run_esd.png").is_file() and "[single_run]" in out

    run("htcore", "validate", "--quick", "--only", "spiked", "--out", "report", "--workers", "1", "--quiet")
    assert (work / "report" / "report.md").is_file()
    print(f"wheel test: {time.perf_counter() - start:.0f} s in all; per command (s): "
          + ", ".join(f"{k} {v:.1f}" for k, v in timings.items()))
