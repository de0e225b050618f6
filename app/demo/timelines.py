"""Demo timelines: the official's status notes and a few residents' updates, so issue pages are not empty."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, update

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
        "Closed after inspection: the street is safe and clear again.",
        "Closed: the crew found nothing left to repair.",
    ],
    # The closed statuses with a reason of their own get notes that give it (found from outside: a
    # "not responsible" note on a duplicate).
    "not-responsible": ["Closed: this is the responsibility of the utility company; we have forwarded it."],
    "no-further-action": ["Closed after inspection: no further action is needed."],
}
UPDATES = [
    "Still there this morning; a cyclist nearly fell.",
    "Same here, I walk past it every day.",
    "Thanks to the crew, it looks much better now.",
]


def add_demo_timelines(session: DbSession, official_email: str, rng: random.Random, end: datetime) -> int:
    """Each issue's story as its timestamps tell it, none after `end`: "new" to "acknowledged" when it
    was acknowledged, then to its status (when it was fixed or closed, or some time later for the other
    open statuses), and updates from residents on a few. An issue's `updated_at` and
    `last_activity_at` are then its last event's time, as the workflow keeps them (Open311's
    updated_datetime reads them). Returns how many events."""
    official = session.scalar(select(User.id).where(User.email == official_email))
    residents = list(session.scalars(select(User.id).where(User.role == "resident").order_by(User.id)))
    types = dict(session.execute(select(Status.code, Status.type)).tuples().all())
    rows = session.execute(
        select(
            Issue.id, Issue.status, Issue.created_at, Issue.acknowledged_at, Issue.fixed_at, Issue.closed_at
        ).order_by(Issue.id)
    ).all()
    events: list[dict[str, Any]] = []

    def status_event(issue_id: int, before: str, after: str, note: str, when: datetime) -> None:
        events.append(
            {
                "issue_id": issue_id,
                "actor_id": official,
                "kind": "status",
                "from_status": before,
                "to_status": after,
                "note": note,
                "by_staff": True,
                "is_public": True,
                "is_hidden": False,
                "created_at": when,
            }
        )

    for issue_id, status, created, acknowledged, fixed, closed in rows:
        if status == "new":
            continue
        kind = types.get(status, "open")
        seen = acknowledged or created + timedelta(days=1)
        status_event(issue_id, "new", "acknowledged", NOTES["open"][0], min(seen, end))
        last = min(seen, end)
        if status != "acknowledged":
            later = fixed or closed or _between(rng, seen, end)
            last = max(min(later, end), last)
            note = rng.choice(NOTES["open"][1:] if kind == "open" else NOTES.get(status, NOTES[kind]))
            status_event(issue_id, "acknowledged", status, note, last)
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
                    "created_at": _between(rng, last, min(last + timedelta(hours=48), end)),
                }
            )
    for start in range(0, len(events), 5000):
        session.execute(insert(IssueEvent), events[start : start + 5000])
    latest = select(func.max(IssueEvent.created_at)).where(IssueEvent.issue_id == Issue.id).scalar_subquery()
    session.execute(
        update(Issue)
        .where(select(IssueEvent.id).where(IssueEvent.issue_id == Issue.id).exists())
        .values(updated_at=latest, last_activity_at=latest)
        .execution_options(synchronize_session=False)
    )
    return len(events)


def _between(rng: random.Random, first: datetime, last: datetime) -> datetime:
    """A moment after `first` and before `last` (`first` itself when there is no time between)."""
    if last <= first:
        return first
    return first + (last - first) * (0.05 + 0.9 * rng.random())
