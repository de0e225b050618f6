"""Run a `flask --app wsgi` command as an operator would: a process of its own, with the given environment."""

from __future__ import annotations

import subprocess
import sys

from tests.gunicorn_server import ROOT

# A SECRET_KEY production accepts (app/secret_key.py: long, of many characters), for tests only.
STRONG_KEY = "k3JqX9vT2mPzR7wLcY4hN8bF6dG1sA5e"


def flask_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
