"""A pool's flow never shows a settled problem's money as "committed, not yet paid".

Found from outside, as a treasurer: a problem funded by a round (EUR 0.60) and by backers (EUR 0.40)
was paid EUR 0.01, and its remainder went back pro rata (the pool got EUR 0.59). The problem holds
nothing, yet the pool's "From pledge to payout" said EUR 0.01 was committed and not yet paid: the
pool's share of the payouts was rounded down (to nothing) while its share of the return was the
largest-remainder split's. Once a problem's money is settled, the pool's share of its payouts is what
the pool committed less what came back to it, to the cent."""

# ruff: noqa: F811  (fixtures are imported, then requested by name)

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import Issue, User
from app.models.timestamps import utcnow
from app.services.funding import ledger, money_flow, money_trail, payouts
from budgets.accounts import PostingKind, escrow_account, issue_account, resident_account
from tests.funding_fixtures import Funding, funding  # noqa: F401


def pool_flow(pool_id: int) -> money_flow.Flow:
    """The flow as the pool's page computes it."""
    problems = money_trail.funded_problems(db.session, pool_id)
    return money_flow.pool_flow(db.session, pool_id, problems)


@dataclass(frozen=True)
class MixedFunding:
    pool_id: int
    issue_id: int
    official_id: int


@pytest.fixture
def mixed(
    app: Flask, funding: Funding, make_issue: Callable[..., Issue], make_user: Callable[..., User]
) -> Callable[[int], MixedFunding]:
    """A problem a round gave EUR 0.60 and backers EUR 0.40, then paid `paid_cents` by an official."""

    def build(paid_cents: int) -> MixedFunding:
        ref = funding.group()
        funding.pledge(ref, funding.member(ref), 100)
        backer = make_user()
        official = make_user(role="official")
        issue_id = make_issue().id
        with app.app_context():
            ledger.post_allocation(db.session, ref.pool_id, 1, [(issue_id, 60)])
            ledger.post(
                db.session,
                PostingKind.BACKING,
                "backing",
                [(resident_account(backer.id), -40), (escrow_account(issue_id), 40)],
                None,
                issue_id=issue_id,
            )
            ledger.post(
                db.session,
                PostingKind.COMMIT,
                "commit",
                [(escrow_account(issue_id), -40), (issue_account(issue_id), 40)],
                None,
                issue_id=issue_id,
            )
            payouts.record_payout(
                db.session,
                official_of(official.id),
                payouts.parse_payout(
                    official_of(official.id),
                    issue_id,
                    payee_kind="contractor",
                    payee_name="Kerb & Co",
                    amount_cents=paid_cents,
                    invoice_ref="INV-1",
                    paid_on=utcnow().date().isoformat(),
                ),
            )
            db.session.commit()
        return MixedFunding(ref.pool_id, issue_id, official.id)

    return build


def official_of(user_id: int) -> User:
    found = db.session.get(User, user_id)
    assert found is not None
    return found


def test_a_settled_problem_leaves_nothing_committed_in_the_pools_flow(
    app: Flask, mixed: Callable[[int], MixedFunding]
) -> None:
    made = mixed(1)
    with app.app_context():
        returned = dict(
            payouts.return_remainder(db.session, official_of(made.official_id), made.issue_id).parts
        )
        db.session.commit()

        to_pool = returned[ledger.available_account(made.pool_id)]
        assert to_pool == 59  # 99 x 60/100 = 59.4; the backer's 39.6 had the larger remainder
        flow = pool_flow(made.pool_id)
    assert flow.committed == 60
    assert flow.returned == to_pool
    assert flow.unpaid == 0
    assert flow.paid == 60 - to_pool


def test_the_pool_pages_row_of_a_problem_backers_also_paid_for_adds_up(
    client: FlaskClient, mixed: Callable[[int], MixedFunding]
) -> None:
    """Found from outside, as a treasurer: a problem the round gave EUR 0.60 and backers EUR 0.40 was
    paid EUR 0.50. Its row on the pool's page said Allocated 0.60, Paid 0.50, Remaining 0.50: the
    problem's own totals beside the pool's allocation, adding up to more than the pool gave. The row is
    now the pool's share (0.60 = 0.30 paid + 0.30 remaining), and says the problem holds more."""
    made = mixed(50)

    html = client.get(f"/pools/{made.pool_id}").get_data(as_text=True)
    table = html[html.index('data-testid="funded-problems"') :]
    row = table[table.index("<tr>", table.index("<tbody>")) : table.index("</tr>", table.index("<tbody>"))]
    shown = {
        label: int(amount.replace(",", "").replace(".", ""))
        for label, amount in re.findall(r'data-label="([^"]+)">EUR ([\d,.]+)</td>', row)
    }
    assert shown == {"Allocated": 60, "Paid": 30, "Returned": 0, "Remaining": 30}
    assert "also holds EUR 0.40 from backers or other pools" in row
    assert "EUR 0.50 to Kerb &amp; Co" in row  # the payout itself, whole
