"""The thread-pool variables importing htcore sets (htcore.THREAD_DEFAULTS): set when absent, a user's
own value kept, and the set ones listed in THREAD_DEFAULTS_SET."""

import json
import os
import subprocess
import sys

import pytest

import htcore

SCRIPT = ("import json, os, htcore; print(json.dumps({'set': htcore.THREAD_DEFAULTS_SET, "
          "'env': {k: os.environ.get(k) for k in htcore.THREAD_DEFAULTS}}))")


def _import_htcore(env_updates: dict[str, str]) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in htcore.THREAD_DEFAULTS}
    env.update(env_updates)
    done = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True,
                          check=True)
    return json.loads(done.stdout)


def test_defaults_are_set_when_absent():
    got = _import_htcore({})
    assert got["set"] == htcore.THREAD_DEFAULTS
    assert got["env"] == {"OPENBLAS_THREAD_TIMEOUT": "4", "OMP_WAIT_POLICY": "PASSIVE"}


def test_a_users_value_is_kept():
    got = _import_htcore({"OMP_WAIT_POLICY": "ACTIVE"})
    assert got["env"]["OMP_WAIT_POLICY"] == "ACTIVE"
    assert got["set"] == {"OPENBLAS_THREAD_TIMEOUT": "4"}


NUMPY_FIRST = ("import warnings; warnings.simplefilter('error'); import numpy as np; a = np.ones((300, 300)); "
               "a @ a; import ctypes, json, htcore; from htcore._threads import _loaded_libraries; "
               "libs = [ctypes.CDLL(p) for p in _loaded_libraries('openblas')]; "
               "b = np.arange(90000.0).reshape(300, 300); ok = bool(np.allclose(b @ b, np.dot(b, b.T.T))); "
               "print(json.dumps({'set': htcore.THREAD_DEFAULTS_SET, 'ok': ok, "
               "'timeouts': [lib.openblas_thread_timeout() for lib in libs]}))")


def test_numpy_imported_first_still_gets_the_openblas_timeout():
    """`import numpy as np` before htcore (every notebook): the loaded OpenBLAS re-reads its timeout,
    no warning, and its BLAS still computes after its threads were restarted."""
    env = {k: v for k, v in os.environ.items() if k not in htcore.THREAD_DEFAULTS}
    done = subprocess.run([sys.executable, "-c", NUMPY_FIRST], env=env, capture_output=True, text=True, check=True)
    got = json.loads(done.stdout)
    assert got["set"] == htcore.THREAD_DEFAULTS and got["ok"]
    assert got["timeouts"] and all(t == 4 for t in got["timeouts"])


def test_a_setting_that_cannot_take_effect_is_named_in_one_warning(monkeypatch):
    from htcore import _threads
    for name in htcore.THREAD_DEFAULTS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(_threads, "_reread_openblas_timeout", lambda: False)
    with pytest.warns(RuntimeWarning, match="OPENBLAS_THREAD_TIMEOUT=4") as record:
        in_effect = _threads.apply_thread_defaults()
    assert len(record) == 1 and "Import htcore first" in str(record[0].message)
    assert "OPENBLAS_THREAD_TIMEOUT" not in in_effect
