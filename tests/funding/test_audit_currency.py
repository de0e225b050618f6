"""The audit log names the currency of every amount it records.

Found from outside: "payout of 60.00", "returned the 35.00", "certified ... 95.00" and "a fund of
5,000.00" beside "pledge of EUR 12.50": those entries did not record their currency."""

# ruff: noqa: F811  (fixtures are imported, then requested by name)

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry
from app.models.timestamps import utcnow
from app.services.workspace.audit_phrases import Facts
from app.services.workspace.audit_words import describe
from tests.funding.round_world import RoundWorld, world  # noqa: F401
from tests.funding.test_payouts import funded_issue, give_back, pay
from tests.funding_fixtures import funding  # noqa: F401


def rfc3339(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat() + "Z"


MONEY_ACTIONS = {"round.fund", "round.certify", "issue.payout", "issue.return", "matching_period.create"}


def test_every_amount_on_the_audit_log_has_its_currency(world: RoundWorld) -> None:
    issue_id = funded_issue(world)  # a round funds it and is certified
    assert pay(world, issue_id, amount_cents=1000).status_code == 201
    assert give_back(world, issue_id).status_code == 200
    period = world.client.post(
        "/api/v1/matching-periods",
        json={
            "name": "Winter",
            "opens_at": rfc3339(utcnow() + timedelta(days=1)),
            "closes_at": rfc3339(utcnow() + timedelta(days=30)),
            "fund_cents": 100000,
            "problem_cap_cents": 20000,
            "backer_cap_cents": 5000,
        },
        headers=world.headers(world.official),
    )
    assert period.status_code == 201, period.get_json()
    with world.app.app_context():
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action.in_(MONEY_ACTIONS))).all()
        assert {e.action for e in entries} == MONEY_ACTIONS
        for e in entries:
            assert e.details.get("currency") == "EUR", e.action
            if e.action == "round.certify":  # where unspent money went, and the city's match
                assert e.details["leftover_to"] in ("refund", "rollover")
                assert isinstance(e.details["matched_cents"], int)
            words = describe(Facts(e.action, e.target_type, e.target_id, e.details), {}).text
            assert "EUR " in words, words
