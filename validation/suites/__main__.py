"""``python -m validation.suites NAME [options]``: run one validation suite alone (``validation.cli``)."""

import sys

from validation.cli import suite_main

sys.exit(suite_main())
