"""`python -m htcore` runs the command line."""

import sys

from htcore.cli import main

sys.exit(main())
