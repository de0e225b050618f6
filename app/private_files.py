"""Files that hold residents' data are readable by their owner only (mode 600).

Found from outside: the development SQLite database (password hashes, email addresses), the embedded
job queue and the mail written to the outbox before it was made private (sign-in and reset links) were
mode 644, readable by every user of the machine. SQLite gives a database's -wal and -shm files the
database's own mode as it makes them, so a private database keeps them private; ones already there
are tightened too.
"""

from __future__ import annotations

import logging
import stat
from pathlib import Path

log = logging.getLogger(__name__)

#: The files SQLite keeps beside a database while it is open.
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def keep_private(path: str | Path) -> None:
    """Make `path` mode 600 when it exists and others may read or write it.

    A file this process may not change (another user's) is left as it is, and the log says so: the
    app still runs, as it did before."""
    path = Path(path)
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            path.chmod(0o600)
    except FileNotFoundError:
        return
    except OSError as error:
        log.warning("Could not make %s readable by its owner only: %s", path, error.strerror)


def keep_sqlite_private(database: str | Path) -> None:
    """A SQLite database and the files SQLite keeps beside it, mode 600."""
    keep_private(database)
    for suffix in SQLITE_SIDE_FILES:
        keep_private(f"{database}{suffix}")
