"""One log line now and then, not a traceback per poll, while the queue's Redis is out of reach."""

from __future__ import annotations

import logging
import threading
import time

import redis

# Huey's consumer logs these with the traceback on every failed poll: each worker thread and the
# scheduler, several times a second, some forty lines each.
CONSUMER_LOGGERS = ("huey.consumer.Worker", "huey.consumer.Scheduler")
OUTAGES = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


class QueueOutageLog(logging.Filter):
    """Keeps the first record of each message per `every` seconds while Redis is unreachable, as one
    line naming the error; other records (a job's own failure included) pass unchanged."""

    def __init__(self, every: float = 30.0) -> None:
        super().__init__()
        self.every = every
        self.last: dict[str, float] = {}
        self.lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if not isinstance(error, OUTAGES):
            return True
        message = record.getMessage()
        now = time.monotonic()
        with self.lock:
            if now - self.last.get(message, -self.every) < self.every:
                return False
            self.last[message] = now
        record.msg = (
            f"{message}: {error} (the queue's Redis is out of reach; said at most every {self.every:.0f} s)"
        )
        record.args = ()
        record.exc_info = None
        record.exc_text = None
        return True


def quiet_queue_outages(every: float = 30.0) -> None:
    """Install the filter on the consumer's loggers (the worker command calls it once)."""
    outage_log = QueueOutageLog(every)
    for name in CONSUMER_LOGGERS:
        logging.getLogger(name).addFilter(outage_log)
