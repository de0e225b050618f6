"""The remainder of a fix goes back only to the money that funded it: a backer whose backing was refunded
in an earlier, unfunded campaign of the same problem gets nothing of it (found by the money loop's
stateful test)."""

# ruff: noqa: F811  (fixtures are imported, then requested by name)
from __future__ import annotations

from datetime import timedelta

from app.extensions import db
from app.models import User
from app.models.timestamps import utcnow
from app.services.funding import payouts
from app.services.funding.backing_settlement import settle_issue
from budgets.accounts import CITY_MATCH, resident_account
from tests.backing_fixtures import Backers, backers  # noqa: F401


def test_a_backer_refunded_in_an_earlier_campaign_gets_no_share_of_the_remainder(
    backers: Backers, make_user
) -> None:
    issue_id = backers.problem(cost_cents=3_000)
    ann, ben = backers.resident(), backers.resident()
    official = make_user(role="official")
    period = backers.period(backer_cap_cents=3_000)
    backers.back(ann, issue_id, 1_000)
    backers.end_period(period, utcnow() - timedelta(seconds=1))
    # The first campaign ended unfunded: Ann is refunded in full.
    with backers.app.app_context():
        assert settle_issue(db.session, issue_id, utcnow()) == "unbacked"
        db.session.commit()
    assert backers.balance(resident_account(ann.id)) == 0
    # A later campaign: Ben funds the problem with a cent of city match (a backing never takes the
    # escrow past the cost), and the fix costs less than they put in.
    backers.match(issue_id, 1)  # a cent of city match in the new campaign's escrow, returned pro rata too
    backers.back(ben, issue_id, 2_999)
    assert set(backers.statuses(issue_id).values()) == {"refunded", "committed"}
    backers.pay_out(official.id, issue_id, 1_001)
    with backers.app.app_context():
        actor = db.session.get(User, official.id)
        assert actor is not None
        returned = payouts.return_remainder(db.session, actor, issue_id)
        db.session.commit()
    assert returned.total_cents == 1_999
    parts = dict(returned.parts)
    assert resident_account(ann.id) not in parts
    # Ben put 2,999 of the 3,000 committed cents in, the city 1: the 1,999 go back in that proportion
    # (1,998.33 and 0.67: the spare cent to the larger remainder).
    assert parts == {resident_account(ben.id): 1_998, CITY_MATCH: 1}
    assert backers.balance(resident_account(ann.id)) == 0
    assert backers.balance(resident_account(ben.id)) == -2_999 + 1_998
    backers.ledger_ok()
