"""Entry point for `python -m budgets`."""

import os
import sys

from budgets.cli import main

try:
    status = main()
    sys.stdout.flush()
except BrokenPipeError:
    # The reader (e.g. `| head`) went away: stop quietly, as Unix tools do.
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    status = 1
sys.exit(status)
