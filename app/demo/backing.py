"""Demo campaign: a city-wide matching period open now, and a few priced open problems that residents
back (through the services, so the ledger, its hash chain and the match are as a real campaign's).

Most backings are confirmed at once (TestProvider, standing in for money that arrived); one waits for the
city's cashier, so /staff/backings has something to confirm."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import select

from app.database.sessions import DbSession
from app.models import Issue, Status, User
from app.models.place import StatusType
from app.services.funding import backings, matching_periods
from app.services.funding.payments import TestProvider, TreasurerConfirmed
from app.services.workflow import estimates

PROBLEMS = 4
# (cost in cents, backings in cents): each stays below its cost so the campaign is still running.
CAMPAIGNS = (
    (60_000, (500, 500, 1_000, 500, 2_000, 500, 1_500, 500)),
    (45_000, (2_500, 5_000, 1_000)),
    (80_000, (500, 500, 500, 500, 500, 1_000, 500, 500, 500, 500)),
    (30_000, (5_000,)),
)


def _backable(session: DbSession, limit: int) -> list[int]:
    """Open, visible, unpriced problems, least liked first: the demo's campaign leaves the most-liked
    problems to the rounds a visitor (or a browser test) creates, whose candidates are the top by likes."""
    return list(
        session.scalars(
            select(Issue.id)
            .join(Status, Status.code == Issue.status)
            .where(
                Status.type == StatusType.OPEN.value,
                Issue.is_hidden.is_(False),
                Issue.duplicate_of_id.is_(None),
                Issue.cost_estimate_cents.is_(None),
            )
            .order_by(Issue.likes_count, Issue.id)
            .limit(limit)
        )
    )


def seed_backing(session: DbSession, official_email: str, resident_ids: list[int], now: datetime) -> str:
    official = session.scalar(select(User).where(User.email == official_email))
    if official is None or not resident_ids:
        return ""
    period = matching_periods.create_period(
        session,
        official,
        {
            "name": "City match: winter campaign",
            "area_id": None,
            "closes_at": (now + timedelta(days=21)).replace(microsecond=0).isoformat() + "Z",
            "fund_cents": 500_000,
            "problem_cap_cents": 100_000,
            "backer_cap_cents": 5_000,
        },
        now,
    )
    rng = random.Random(18)
    made = pending = 0
    for issue_id, (cost, amounts) in zip(_backable(session, PROBLEMS), CAMPAIGNS, strict=False):
        estimates.set_estimate(session, official, issue_id, cost)
        for n, (cents, user_id) in enumerate(
            zip(amounts, rng.sample(resident_ids, len(amounts)), strict=True)
        ):
            user = session.get(User, user_id)
            assert user is not None
            waits = made == 0  # the very first backing waits for the cashier
            backings.back(
                session,
                user,
                issue_id,
                cents,
                f"demo-backing-{issue_id}-{n}",
                TreasurerConfirmed() if waits else TestProvider(),
                now,
                show_name=n % 2 == 0,
            )
            made += 1
            pending += waits
    session.flush()
    return (
        f"A city-wide matching period ({period.name!r}) with {made} backings of {PROBLEMS} problems "
        f"({pending} waiting for the cashier)."
    )
