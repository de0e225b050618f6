"""Fixtures for backing tests: costed problems, matching periods, backers, and what the ledger holds."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from app.extensions import db
from app.models import Issue, LedgerLine, LedgerPosting, User
from app.models.backing import Backing, MatchingPeriod
from app.models.timestamps import utcnow
from app.services.funding import backings, ledger, payouts
from app.services.funding.payments import TestProvider
from app.services.funding.transparency import check_ledger
from tests import factories

_serial = itertools.count(1)


class Backers:
    """Builds costed problems, periods and backings, each committed in its own app context."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def problem(self, cost_cents: int = 10_000, **kwargs: object) -> int:
        with self.app.app_context():
            issue = factories.new_issue(db.session(), **kwargs)  # type: ignore[arg-type]
            issue.cost_estimate_cents = cost_cents
            db.session.commit()
            return issue.id

    def resident(self, **kwargs: object) -> User:
        with self.app.app_context():
            db.session().expire_on_commit = False
            user = factories.new_user(db.session(), **kwargs)  # type: ignore[arg-type]
            db.session.commit()
            return user

    def period(
        self,
        *,
        area_id: int | None = None,
        opens: timedelta = timedelta(days=-1),
        closes: timedelta = timedelta(days=14),
        backer_cap_cents: int = 5_000,
    ) -> int:
        now = utcnow()
        with self.app.app_context():
            found = MatchingPeriod(
                name=f"Campaign {next(_serial)}",
                area_id=area_id,
                opens_at=now + opens,
                closes_at=now + closes,
                fund_cents=100_000,
                problem_cap_cents=50_000,
                backer_cap_cents=backer_cap_cents,
            )
            db.session.add(found)
            db.session.commit()
            return found.id

    def end_period(self, period_id: int, at: datetime) -> None:
        with self.app.app_context():
            db.session.execute(
                update(MatchingPeriod).where(MatchingPeriod.id == period_id).values(closes_at=at)
            )
            db.session.commit()

    def back(
        self, user: User, issue_id: int, cents: int, *, fallback: str = "refund", now: datetime | None = None
    ) -> int:
        with self.app.app_context():
            fresh = db.session.get(User, user.id)
            assert fresh is not None
            outcome = backings.back(
                db.session,
                fresh,
                issue_id,
                cents,
                f"b-{next(_serial)}",
                TestProvider(),
                now or utcnow(),
                fallback=fallback,
            )
            db.session.commit()
            return outcome.backing.id

    def match(self, issue_id: int, cents: int) -> None:
        """What the match engineer's period close posts: city:match -> the problem's escrow."""
        with self.app.app_context():
            lines = [(ledger.CITY_MATCH, -cents), (ledger.escrow_account(issue_id), cents)]
            ledger.post(db.session, ledger.PostingKind.QF_MATCH, "match", lines, None, issue_id=issue_id)
            db.session.commit()

    def balance(self, account: str) -> int:
        with self.app.app_context():
            return ledger.account_balance(db.session, account)

    def statuses(self, issue_id: int) -> dict[int, str]:
        with self.app.app_context():
            return dict(
                list(
                    db.session.execute(
                        select(Backing.id, Backing.status).where(Backing.issue_id == issue_id)
                    ).tuples()
                )
            )

    def issue_status(self, issue_id: int) -> str:
        with self.app.app_context():
            return str(db.session.scalar(select(Issue.status).where(Issue.id == issue_id)))

    def counts(self) -> tuple[int, int, int]:
        """(backings, postings, lines) in the database."""
        with self.app.app_context():
            return tuple(  # type: ignore[return-value]
                int(db.session.scalar(select(func.count()).select_from(m)) or 0)
                for m in (Backing, LedgerPosting, LedgerLine)
            )

    def pay_out(self, official_id: int, issue_id: int, cents: int) -> None:
        """An official records a payout of `cents` from the problem's committed money."""
        with self.app.app_context():
            actor = db.session.get(User, official_id)
            assert actor is not None
            details = {"payee_kind": "contractor", "payee_name": "Fixers Ltd", "invoice_ref": "F-1"}
            asked = payouts.parse_payout(
                actor, issue_id, amount_cents=cents, paid_on=utcnow().date(), **details
            )
            payouts.record_payout(db.session, actor, asked)
            db.session.commit()

    def ledger_ok(self) -> None:
        with self.app.app_context():
            violation, _count = check_ledger(db.session)
            assert violation is None, str(violation)


@pytest.fixture
def backers(app: Flask) -> Backers:
    app.config["PAYMENT_PROVIDER"] = "test"  # backing money is confirmed at once (restored after the test)
    return Backers(app)
