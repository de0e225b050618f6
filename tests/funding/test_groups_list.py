"""The groups list costs the same few statements for 3 groups as for 12 (found from outside: about six
per group, each pool's figures and the viewer's membership asked one group at a time), and each card
shows its own pool's money. Both engines."""

# ruff: noqa: F811  (the `funding` fixture is imported, then requested by name)

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.services.funding import ledger
from tests.conftest import AuthActions
from tests.funding_fixtures import Funding, funding  # noqa: F401
from tests.statements import counted_statements

AREAS = ("Old Town", "Riverside", "Hillside")


def groups_page(app: Flask, client: FlaskClient) -> tuple[str, int]:
    with app.app_context(), counted_statements() as seen:
        page = client.get("/groups")
    assert page.status_code == 200
    return page.get_data(as_text=True), len(seen)


def card_money(page: str, name: str) -> str:
    card = page[page.index(f">{name}</a>") :]
    found = re.search(r'class="group-card__money">(.*?)</p>', card, re.S)
    assert found is not None
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


def test_the_list_costs_the_same_for_many_groups_and_shows_each_pools_money(
    app: Flask, client: FlaskClient, auth: AuthActions, funding: Funding
) -> None:
    first = [funding.group(area, name=f"Group {n}") for n, area in enumerate(AREAS)]
    viewer = funding.member(first[0])
    auth.login_as(viewer)
    _, few = groups_page(app, client)

    more = [funding.group(AREAS[n % 3], name=f"Group {n}") for n in range(3, 12)]
    for n, ref in enumerate(first + more):
        pledger = funding.member(ref)
        funding.pledge(ref, pledger, 1000 + n)  # confirmed
        funding.pledge(ref, pledger, 200 + n, confirm=False)  # pending
    funding.member(more[4])  # another member elsewhere: not the viewer's group
    page, many = groups_page(app, client)

    assert many == few, (few, many)
    for n, ref in enumerate(first + more):
        with app.app_context():
            figures = ledger.pool_balance(db.session, ref.pool_id)
        assert (figures.balance_cents, figures.pending_cents) == (1000 + n, 200 + n)
        shown = card_money(page, f"Group {n}")
        assert shown.startswith(f"EUR {10 + n // 100}.{n % 100:02d} in the pool"), shown
        assert f"(+ EUR 2.{n:02d} pending)" in shown, shown
    assert page.count("You are a member") == 1
