"""The worker's log says what happened, not that the every-minute sweeps ran: Huey logs each periodic
job three times a minute (enqueued, executing, executed), twelve lines a minute for our sweeps. Those
lines are dropped unless the run was slow; a sweep's failure (logged at ERROR, with its traceback) and
every line of the other jobs and of the jobs' own code (a mail written, a round opened) still show."""

from __future__ import annotations

import logging

from huey.api import PeriodicTask

# Huey's loggers: the scheduler enqueues periodic jobs, the task runner logs each execution.
ROUTINE_LOGGERS = ("huey", "huey.consumer.Scheduler")
SLOW_SECONDS = 10.0


class RoutineSweepLog(logging.Filter):
    """Drops Huey's INFO lines about a periodic job, except "executed in" a run of SLOW_SECONDS or more."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.INFO or not isinstance(record.args, tuple):
            return True
        if not any(isinstance(arg, PeriodicTask) for arg in record.args):
            return True
        durations = [arg for arg in record.args if isinstance(arg, float)]
        return any(seconds >= SLOW_SECONDS for seconds in durations)


def quiet_routine_sweeps() -> None:
    """Install the filter on Huey's loggers (the worker command calls it once)."""
    routine = RoutineSweepLog()
    for name in ROUTINE_LOGGERS:
        logging.getLogger(name).addFilter(routine)
