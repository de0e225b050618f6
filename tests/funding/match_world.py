"""A matching period with residents backing problems: backings and their ledger postings made directly.

Backings come from the backings feature on another branch; here each is a Backing row and its
`backing` posting (resident -> the problem's escrow), exactly as that feature writes them.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import update

from app.extensions import db
from app.models import Backing, MatchingPeriod, User
from app.models.timestamps import utcnow
from app.services.funding import ledger
from budgets.accounts import PostingKind, escrow_account, resident_account
from tests import factories

_keys = itertools.count(1)
LONG_AGO = datetime(2025, 1, 1)


@dataclass
class MatchWorld:
    app: Flask
    official: User | None = None
    issues: list[int] = field(default_factory=list)

    def resident(self, *, created_at: datetime = LONG_AGO, **kwargs: Any) -> User:
        """A resident whose account was opened long before any period (unless `created_at` says)."""
        with self.app.app_context():
            db.session().expire_on_commit = False
            user = factories.new_user(db.session(), **kwargs)
            db.session.execute(update(User).where(User.id == user.id).values(created_at=created_at))
            db.session.commit()
            return user

    def problem(self, **kwargs: Any) -> int:
        with self.app.app_context():
            issue = factories.new_issue(db.session(), **kwargs)
            db.session.commit()
            self.issues.append(issue.id)
            return issue.id

    def period(
        self,
        *,
        fund: int = 1_000_000,
        problem_cap: int = 100_000,
        backer_cap: int = 10_000,
        opened: timedelta = timedelta(days=1),
        closes_in: timedelta = timedelta(days=7),
        area_id: int | None = None,
    ) -> int:
        """A period that opened `opened` ago (inserted directly: the API refuses openings in the past)."""
        now = utcnow().replace(microsecond=0)
        with self.app.app_context():
            found = MatchingPeriod(
                name=f"Period {next(_keys)}",
                area_id=area_id,
                opens_at=now - opened,
                closes_at=now + closes_in,
                fund_cents=fund,
                problem_cap_cents=problem_cap,
                backer_cap_cents=backer_cap,
                created_at=now,
            )
            db.session.add(found)
            db.session.commit()
            return found.id

    def back(self, user: User, issue_id: int, cents: int, period_id: int, status: str = "held") -> int:
        with self.app.app_context():
            backing = Backing(
                issue_id=issue_id,
                user_id=user.id,
                period_id=period_id,
                amount_cents=cents,
                status=status,
                provider="test",
                idempotency_key=f"k-{next(_keys)}",
            )
            db.session.add(backing)
            db.session.flush()
            ledger.post(
                db.session,
                PostingKind.BACKING,
                f"Backing {backing.id}",
                [(resident_account(user.id), -cents), (escrow_account(issue_id), cents)],
                None,
                issue_id=issue_id,
                backing_id=backing.id,
            )
            db.session.commit()
            return backing.id


@pytest.fixture
def match_world(app: Flask) -> MatchWorld:
    return MatchWorld(app)
