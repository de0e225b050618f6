"""Starting the app for an operator: the build that turns a setting that cannot work
(app/configuration_error.py) into one line naming it (`Commonfix cannot start: CITY_TIMEZONE
must be ...`) instead of a page of traceback around it, for a `flask` command, the worker and gunicorn
alike (wsgi.py; gunicorn.conf.py has gunicorn's master check before any worker boots).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from app.configuration_error import ConfigurationError

if TYPE_CHECKING:
    from flask import Flask

# Gunicorn's master stops for good when a worker exits with this status ("App failed to load"), rather
# than booting workers again; for a `flask` command it is just a failure.
APP_LOAD_ERROR = 4


def build_or_exit() -> Flask:
    """The app as the environment configures it; on a setting that cannot work, one line on stderr
    and exit status 4."""
    from app import create_app

    try:
        return create_app()
    except ConfigurationError as error:
        print(f"Commonfix cannot start: {error}", file=sys.stderr, flush=True)
        raise SystemExit(APP_LOAD_ERROR) from None


def serving_or_exit() -> Flask:
    """The app for gunicorn's master, also checked for what serving needs beyond its settings: a
    photo can be saved (one line and exit status 4 otherwise)."""
    from app.photo_stores import photo_store

    app = build_or_exit()
    with app.app_context():
        problem = photo_store().writable_problem()
    if problem is not None:
        print(f"Commonfix cannot start: {problem}", file=sys.stderr, flush=True)
        raise SystemExit(APP_LOAD_ERROR)
    return app
