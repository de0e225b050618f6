"""The modules that declare jobs; importing this module declares them all."""

from __future__ import annotations

from app.jobs import (
    backing_settlement,  # noqa: F401
    mail_delivery,  # noqa: F401
    mail_fanout,  # noqa: F401
    matching_schedule,  # noqa: F401
    round_schedule,  # noqa: F401
    tallies,  # noqa: F401
)
