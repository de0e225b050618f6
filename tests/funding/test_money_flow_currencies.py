"""One city, one currency: a new pool is in the city's currency, and a pool made in another before that
rule runs no round; the city's money flow leaves such a pool, its pledges, match, allocations and the
payouts of what it funded out and names it beside (found from outside: a SEK pool's SEK 133.33 of
pledges were added to the euros "From residents")."""

# ruff: noqa: F811  (fixtures are imported, then requested by name)

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from app.extensions import db
from app.models import Issue, User
from app.services.funding import groups, ledger, money_flow
from app.services.kernel.errors import ValidationError
from app.services.rounds import lifecycle
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


def test_a_new_pool_is_in_the_citys_currency_and_an_older_one_in_another_runs_no_round(
    app: Flask, funding: Funding, make_user: Callable[..., User]
) -> None:
    """Found from outside: a SEK pool's round funded a problem estimated and backed in euros, and the
    two currencies were added together (SEK 20 + EUR 5 "committed SEK 25")."""
    with app.app_context():
        official = db.session.get(User, make_user(role="official").id)
        assert official is not None
        with pytest.raises(ValidationError) as refused:
            groups.create_group(db.session, official, funding.city["Old Town"], "Kronor Club", currency="SEK")
    assert refused.value.field == "currency"
    assert "A pool's currency is the city's, EUR" in refused.value.message

    kronor = funding.group("Old Town", "Old Town Kronor Club", currency="SEK")
    with app.app_context():
        official = db.session.get(User, make_user(role="official").id)
        assert official is not None
        with pytest.raises(ValidationError) as no_round:
            lifecycle.create_round(
                db.session,
                official,
                {"group_id": kronor.group_id, "name": "Spring", "ballot": "approval", "rule": "greedy"},
            )
    assert no_round.value.field == "group_id"
    assert "This group's pool is in SEK, and problems' costs are in EUR" in no_round.value.message
