"""The worker's log while the database is out of reach: found from outside, each periodic sweep that
failed logged its traceback through huey ("Unhandled exception in task ..."), some 500 lines a minute.
One line per 30 s now, naming the error; a job's own failure still logs in full."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from app.jobs.outage_log import CONSUMER_LOGGERS, OutageLog, quiet_outages


def unreachable_database_error(tmp_path: Path) -> DBAPIError:
    """What a job gets from a database it cannot open (a SQLite file in a folder that is not there)."""
    engine = create_engine(f"sqlite:///{tmp_path / 'missing' / 'app.sqlite3'}")
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except DBAPIError as error:
        return error
    finally:
        engine.dispose()
    pytest.fail("the database opened")


def failed_job(error: BaseException, task_id: str) -> logging.LogRecord:
    """The record huey logs for a job that raised (logger "huey", with the traceback)."""
    record = logging.LogRecord(
        "huey", logging.ERROR, __file__, 1, "Unhandled exception in task %s.", (task_id,), None
    )
    record.exc_info = (type(error), error, error.__traceback__)
    return record


def test_failed_jobs_while_the_database_is_unreachable_are_one_line_per_interval(tmp_path: Path) -> None:
    outage = unreachable_database_error(tmp_path)
    quiet = OutageLog(every=30.0)

    first = failed_job(outage, "a1")
    kept = [quiet.filter(first)] + [quiet.filter(failed_job(outage, f"b{n}")) for n in range(4)]

    assert kept == [True, False, False, False, False]
    assert first.exc_info is None  # no traceback
    line = first.getMessage()
    assert line.startswith("Unhandled exception in task a1.: ")
    assert "unable to open database file" in line
    assert line.endswith("(the database is out of reach; said at most every 30 s)")


def test_a_jobs_own_failure_still_logs_with_its_traceback(tmp_path: Path) -> None:
    quiet = OutageLog(every=30.0)
    bug = failed_job(ZeroDivisionError("division by zero"), "c1")

    assert quiet.filter(bug) is True
    assert bug.exc_info is not None


def test_the_worker_quiets_the_logger_huey_reports_failed_jobs_on() -> None:
    before = list(logging.getLogger("huey").filters)
    try:
        quiet_outages()
        assert any(isinstance(f, OutageLog) for f in logging.getLogger("huey").filters)
    finally:
        for name in CONSUMER_LOGGERS:
            for found in [f for f in logging.getLogger(name).filters if f not in before]:
                logging.getLogger(name).removeFilter(found)
