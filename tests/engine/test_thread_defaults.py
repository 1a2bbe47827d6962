"""The thread-pool variables importing htcore sets (htcore.THREAD_DEFAULTS): set when absent, a user's
own value kept, and the set ones listed in THREAD_DEFAULTS_SET."""

import json
import os
import subprocess
import sys

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
