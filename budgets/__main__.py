"""Entry point for `python -m budgets`."""

import sys

from budgets.cli import main

sys.exit(main())
