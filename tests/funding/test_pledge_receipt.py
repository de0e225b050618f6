"""A confirmed pledge's receipt: the pledger is mailed once that the money arrived and is in the pool,
saying who confirmed it (found from outside: only a declined pledge was mailed, so a resident who had
handed over money learned that it arrived by opening the group's page)."""

# ruff: noqa: F811  (fixtures are imported, then requested by name)

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import Group
from tests.conftest import AuthActions
from tests.funding_fixtures import Funding, funding  # noqa: F401
from tests.mailbox import Outbox, mails_to, text_of


def confirm(client: FlaskClient, pledge_id: int, headers: dict[str, str]) -> int:
    return client.post(f"/api/v1/pledges/{pledge_id}/confirm", headers=headers).status_code


def test_the_pledger_is_mailed_once_when_the_treasurer_confirms(
    app: Flask, client: FlaskClient, auth: AuthActions, funding: Funding, outbox: Outbox
) -> None:
    ref = funding.group()
    pledger = funding.member(ref)
    treasurer = funding.member(ref, admin=True)
    pledge_id = funding.pledge(ref, pledger, 550, confirm=False)
    # Found from outside: what to pay and the reference showed only in a message gone on reload.
    [how] = mails_to(outbox, pledger.email)
    assert how["Subject"] == "How to pay your pledge of EUR 5.50"
    assert f"With a transfer, quote “pledge {pledge_id}”" in text_of(how)
    assert f"/groups/{ref.group_id}" in text_of(how)

    assert confirm(client, pledge_id, auth.headers(treasurer)) == 200
    assert confirm(client, pledge_id, auth.headers(treasurer)) == 200  # confirming again mails nobody

    [told] = [m for m in mails_to(outbox, pledger.email) if m["Subject"] != how["Subject"]]
    with app.app_context():
        name = db.session.get(Group, ref.group_id).name  # type: ignore[union-attr]
    assert told["Subject"] == f"Your pledge of EUR 5.50 to {name} arrived"
    assert text_of(told).startswith(f"The treasurer of {name} confirmed that your pledge of EUR 5.50")
    assert f"/pools/{ref.pool_id}" in text_of(told)
    # Found from outside: pledges sat pending unless the treasurer happened to look at the page.
    [waits] = mails_to(outbox, treasurer.email)
    assert waits["Subject"] == f"A pledge of EUR 5.50 to {name} waits for you"
    assert text_of(waits).startswith(
        f"{pledger.display_name} pledged EUR 5.50 to the pool of {name} (pledge {pledge_id})."
    )
    assert f"/pools/{ref.pool_id}/treasurer" in text_of(waits)


def test_a_treasurers_own_pledge_is_confirmed_by_an_official(
    client: FlaskClient, auth: AuthActions, funding: Funding, outbox: Outbox
) -> None:
    ref = funding.group()
    treasurer = funding.member(ref, admin=True)
    pledge_id = funding.pledge(ref, treasurer, 700, confirm=False)

    assert confirm(client, pledge_id, auth.headers(role="official")) == 200

    [told] = [m for m in mails_to(outbox, treasurer.email) if not str(m["Subject"]).startswith("How to pay")]
    assert text_of(told).startswith("A city official confirmed that your pledge of EUR 7.00")
    assert not [m for m in mails_to(outbox, treasurer.email) if "waits for you" in str(m["Subject"])]
