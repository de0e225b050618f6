"""Demo timelines: the official's status notes and a few residents' updates, so issue pages are not empty."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select

from app.database.sessions import DbSession
from app.models import Issue, IssueEvent, Status, User

NOTES = {
    "open": [
        "Thanks for reporting. We have passed this to the maintenance team.",
        "An inspector will look at this within two weeks.",
        "Scheduled with the next round of repairs in this neighbourhood.",
    ],
    "fixed": [
        "Repaired by the roads crew. Thank you for your patience.",
        "Fixed this morning. Tell us if it is not.",
    ],
    "closed": [
        "Closed: this is the responsibility of the utility company; we have forwarded it.",
        "Closed after inspection: no further action is needed.",
    ],
}
UPDATES = [
    "Still there this morning; a cyclist nearly fell.",
    "Same here, I walk past it every day.",
    "Thanks to the crew, it looks much better now.",
]


def add_demo_timelines(session: DbSession, official_email: str, rng: random.Random, end: datetime) -> int:
    """One status event per issue that left "new", and updates on a few, none after `end`; returns how
    many events."""
    official = session.scalar(select(User.id).where(User.email == official_email))
    residents = list(session.scalars(select(User.id).where(User.role == "resident").order_by(User.id)))
    types = dict(session.execute(select(Status.code, Status.type)).tuples().all())
    rows = session.execute(
        select(
            Issue.id, Issue.status, Issue.created_at, Issue.acknowledged_at, Issue.fixed_at, Issue.closed_at
        ).order_by(Issue.id)
    ).all()
    events: list[dict[str, Any]] = []
    for issue_id, status, created, acknowledged, fixed, closed in rows:
        if status == "new":
            continue
        kind = types.get(status, "open")
        when: datetime = min(fixed or closed or acknowledged or created + timedelta(days=1), end)
        events.append(
            {
                "issue_id": issue_id,
                "actor_id": official,
                "kind": "status",
                "from_status": "new",
                "to_status": status,
                "note": rng.choice(NOTES[kind]),
                "by_staff": True,
                "is_public": True,
                "is_hidden": False,
                "created_at": when,
            }
        )
        if residents and rng.random() < 0.15:
            events.append(
                {
                    "issue_id": issue_id,
                    "actor_id": rng.choice(residents),
                    "kind": "update",
                    "from_status": None,
                    "to_status": None,
                    "note": rng.choice(UPDATES),
                    "by_staff": False,
                    "is_public": True,
                    "is_hidden": False,
                    "created_at": min(when + timedelta(hours=rng.randrange(1, 48)), end),
                }
            )
    for start in range(0, len(events), 5000):
        session.execute(insert(IssueEvent), events[start : start + 5000])
    return len(events)
