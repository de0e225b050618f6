"""The city's money flow is in the city's currency: a pool in another currency, its pledges, match,
allocations and the payouts of what it funded stay out of it and are named beside it (found from
outside: a SEK pool's SEK 133.33 of pledges were added to the euros "From residents")."""

# ruff: noqa: F811  (fixtures are imported, then requested by name)

from __future__ import annotations

from collections.abc import Callable

from flask import Flask

from app.extensions import db
from app.models import Issue, User
from app.services.funding import ledger, money_flow
from budgets.accounts import CITY_MATCH, PostingKind, available_account
from tests.funding.test_money_flow_sums import ROUND, pay, post, varied_ledger
from tests.funding_fixtures import Funding, funding  # noqa: F401


def test_a_pool_in_another_currency_stays_out_of_the_citys_figures(
    app: Flask, funding: Funding, make_issue: Callable[..., Issue], make_user: Callable[..., User]
) -> None:
    varied_ledger(app, funding, make_issue, make_user)
    with app.app_context():
        in_euros = money_flow.city_flow(db.session)

    kronor = funding.group("Old Town", "Old Town Kronor Club", currency="SEK")
    for cents in (10_000, 3_333):
        funding.pledge(kronor, funding.member(kronor), cents)
    funded = make_issue().id
    official_id = make_user(role="official").id
    with app.app_context():
        post(
            PostingKind.MATCH,
            [(CITY_MATCH, -5_000), (available_account(kronor.pool_id), 5_000)],
            kronor.pool_id,
        )
        ledger.post_allocation(db.session, kronor.pool_id, ROUND, [(funded, 9_000)])
        db.session.commit()
        official = db.session.get(User, official_id)
        assert official is not None
        pay(official, funded, 4_000)
        assert money_flow.city_flow(db.session) == in_euros
        others = money_flow.other_currency_pools(db.session)
    assert [(p.pool_id, p.currency) for p in others] == [(kronor.pool_id, "SEK")]

    page = app.test_client().get("/transparency").get_data(as_text=True)
    assert "These figures are in EUR. 1 pool in another currency is counted on its own page:" in page
    assert f'href="/pools/{kronor.pool_id}">Old Town Kronor Club</a> (SEK).' in page
