"""The TOML reader: the standard library's `tomllib` (Python ≥ 3.11) or, on 3.10, its backport `tomli`
(the same API, a dependency only there)."""

import sys

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised by the Python 3.10 test run
    import tomli as tomllib

__all__ = ["tomllib"]
