"""README's configuration table names every environment variable config.py reads, and no other; its
command table names every flask command of ours."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask

from config import ENVIRONMENT

ROOT = Path(__file__).resolve().parent.parent
# Read outside config.py's table: the config class (app/__init__.py) and the Pabulib files' folder
# (tests and benchmarks).
READ_ELSEWHERE = {"COMMONFIX_ENV", "PABULIB_DIR"}


def documented_variables() -> set[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Configuration (environment variables)", 1)[1].split("\n## ", 1)[0]
    names: set[str] = set()
    for line in section.splitlines():
        if line.startswith("| `"):
            first_cell = line.split("|")[1]
            names.update(re.findall(r"`([A-Z][A-Z0-9_]+)`", first_cell))
    return names


def test_every_environment_variable_is_in_the_readme_table() -> None:
    documented = documented_variables()
    # MAIL_* is one row for the SMTP settings, which the Mail section spells out.
    smtp = {"MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS", "MAIL_USERNAME", "MAIL_PASSWORD"}
    smtp.add("MAIL_DEFAULT_SENDER")
    assert sorted(set(ENVIRONMENT) - documented - smtp) == []
    assert sorted(documented - set(ENVIRONMENT) - READ_ELSEWHERE) == []


def test_every_flask_command_of_ours_is_in_the_readme(app: Flask) -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    ours = set(app.cli.commands) - {"db"}  # Flask-Migrate's, run through init-db
    assert sorted(c for c in ours if f"`flask --app wsgi {c}" not in text) == []
