"""One log line now and then, not a traceback per poll or per job, while the queue's Redis or the
database is out of reach."""

from __future__ import annotations

import logging
import threading
import time

import redis

from app.database.outages import database_unreachable, outage_summary

# Huey's consumer logs these with the traceback on every failed poll: each worker thread and the
# scheduler, several times a second, some forty lines each. "huey" logs a job that raised, with its
# traceback: while the database is down, each periodic sweep every minute.
CONSUMER_LOGGERS = ("huey.consumer.Worker", "huey.consumer.Scheduler", "huey")
QUEUE_OUTAGES = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


class OutageLog(logging.Filter):
    """While Redis or the database is unreachable, keeps one record per `every` seconds, as one line
    naming the error: per message for Redis, one for the database (each failed job's message names
    its own task). Other records (a job's own failure included) pass unchanged."""

    def __init__(self, every: float = 30.0) -> None:
        super().__init__()
        self.every = every
        self.last: dict[str, float] = {}
        self.lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        message = record.getMessage()
        if isinstance(error, QUEUE_OUTAGES):
            key, said = message, f"{message}: {error} (the queue's Redis is out of reach"
        elif error is not None and database_unreachable(error):
            key, said = "database", f"{message}: {outage_summary(error)} (the database is out of reach"
        else:
            return True
        now = time.monotonic()
        with self.lock:
            if now - self.last.get(key, -self.every) < self.every:
                return False
            self.last[key] = now
        record.msg = f"{said}; said at most every {self.every:.0f} s)"
        record.args = ()
        record.exc_info = None
        record.exc_text = None
        return True


def quiet_outages(every: float = 30.0) -> None:
    """Install the filter on the consumer's loggers (the worker command calls it once)."""
    outage_log = OutageLog(every)
    for name in CONSUMER_LOGGERS:
        logging.getLogger(name).addFilter(outage_log)
