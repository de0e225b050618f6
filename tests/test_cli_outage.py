"""A command run while the database is out of reach says so in one line and exits 1 (found from
outside: a page of traceback, the database's address at its end). No server needed: nothing listens
on the port the URL names."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.flask_cli import flask_cli
from tests.ports import free_port


@pytest.mark.parametrize("command", [["init-db"], ["ledger-check"], ["round-schedule"]])
def test_a_command_says_the_database_is_out_of_reach_in_one_line(command: list[str]) -> None:
    port = free_port()
    env = dict(os.environ)
    env.update(
        COMMONFIX_ENV="development",
        DATABASE_URL=f"postgresql+psycopg://commonfix:s3cret-pass@127.0.0.1:{port}/commonfix",
        DATABASE_CONNECT_TIMEOUT="2",
    )
    done = flask_cli(env, *command)
    said = done.stdout + done.stderr
    assert done.returncode == 1, said
    assert "Traceback" not in said
    assert "s3cret-pass" not in said
    assert (
        f"Error: The database at postgresql+psycopg://commonfix:***@127.0.0.1:{port}/commonfix is out of "
        "reach (connection failed:" in said
    ), said
    assert "Start it, or check DATABASE_URL, and run the command again." in said


def test_a_sqlite_file_that_cannot_be_opened_is_said_in_one_line(tmp_path: Path) -> None:
    """DATABASE_URL naming a folder that does not exist (a typo, an unmounted disk): 147 lines of
    traceback ending in 'unable to open database file', found from outside."""
    env = dict(os.environ)
    env.update(COMMONFIX_ENV="development", DATABASE_URL=f"sqlite:///{tmp_path / 'missing' / 'commonfix.db'}")
    done = flask_cli(env, "init-db")
    said = (done.stdout + done.stderr).strip()
    assert done.returncode == 1, said
    assert len(said.splitlines()) == 1, said
    assert f"The database at sqlite:///{tmp_path / 'missing' / 'commonfix.db'} is out of reach" in said
    assert "unable to open database file" in said


@pytest.mark.parametrize(
    "command",
    [
        ["create-user", "boss@city.example", "--role", "admin", "--password", "a-long-admin-password"],
        ["ledger-check"],
    ],
)
def test_a_command_on_a_database_never_migrated_says_to_run_init_db(
    tmp_path: Path, command: list[str]
) -> None:
    """Found from outside: create-user, ledger-check and seed-demo on a fresh database printed 83 to 89
    lines ending in "no such table"."""
    env = dict(os.environ)
    env.update(COMMONFIX_ENV="development", DATABASE_URL=f"sqlite:///{tmp_path / 'fresh.db'}")
    done = flask_cli(env, *command)
    said = (done.stdout + done.stderr).strip()
    assert done.returncode == 1, said
    assert len(said.splitlines()) == 1, said
    assert said.startswith(
        f"Error: The database at sqlite:///{tmp_path / 'fresh.db'} is behind: the database is never migrated"
    )
    assert said.endswith("run `flask --app wsgi init-db`.")
