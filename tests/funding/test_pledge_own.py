"""Separation of duties: a pledge is confirmed or declined by someone other than its pledger.

A treasurer (group admin) who pledged could declare that their own money arrived. Now another admin of
the group or a city official settles it: the API refuses the pledger (403 on `pledge_id`), the treasurer
page offers them no buttons for it, and a direct POST is refused with a flash; nothing is stored and the
refusal audits nothing.
"""

# ruff: noqa: F811  (fixtures are imported, then requested by name)

from __future__ import annotations

from collections.abc import Callable
from email.message import EmailMessage

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEntry, Pledge
from tests.conftest import AuthActions
from tests.funding_fixtures import Funding, funding  # noqa: F401


def settle(client: FlaskClient, pledge_id: int, act: str, headers: dict[str, str]):
    return client.post(f"/api/v1/pledges/{pledge_id}/{act}", headers=headers)


def audit_count(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def status_of(app: Flask, pledge_id: int) -> str:
    with app.app_context():
        found = db.session.get(Pledge, pledge_id)
        assert found is not None
        return found.status


def test_the_api_refuses_a_treasurer_settling_their_own_pledge(
    app: Flask, client: FlaskClient, auth: AuthActions, funding: Funding
) -> None:
    ref = funding.group()
    treasurer = funding.member(ref, admin=True)
    own = funding.pledge(ref, treasurer, 900, confirm=False)
    before, audited = funding.counts(), audit_count(app)

    for act in ("confirm", "decline"):
        refused = settle(client, own, act, auth.headers(treasurer))
        assert refused.status_code == 403, act
        error = refused.get_json()["error"]
        assert (error["code"], error["field"]) == ("forbidden", "pledge_id"), act
        assert "another admin" in error["message"].lower(), act

    assert status_of(app, own) == "pending"
    assert funding.balance(ref).pending_cents == 900
    assert funding.counts() == before
    assert audit_count(app) == audited  # refusals audit nothing


def test_an_official_who_pledged_does_not_settle_it_either(
    app: Flask, client: FlaskClient, auth: AuthActions, funding: Funding
) -> None:
    ref = funding.group()
    official = funding.member(ref, role="official")
    own = funding.pledge(ref, official, 400, confirm=False)

    for act in ("confirm", "decline"):
        assert settle(client, own, act, auth.headers(official)).status_code == 403, act
    assert status_of(app, own) == "pending"


def test_another_admin_or_an_official_settles_the_treasurers_pledge(
    app: Flask, client: FlaskClient, auth: AuthActions, funding: Funding
) -> None:
    ref = funding.group()
    treasurer = funding.member(ref, admin=True)
    other_admin = funding.member(ref, admin=True)
    to_confirm = funding.pledge(ref, treasurer, 700, confirm=False)
    to_decline = funding.pledge(ref, treasurer, 300, confirm=False)

    confirmed = settle(client, to_confirm, "confirm", auth.headers(other_admin))
    declined = settle(client, to_decline, "decline", auth.headers(role="official"))

    assert (confirmed.status_code, confirmed.get_json()["status"]) == (200, "confirmed")
    assert (declined.status_code, declined.get_json()["status"]) == (200, "declined")
    assert funding.balance(ref).confirmed_cents == 700


def test_the_treasurer_page_offers_no_buttons_for_ones_own_pledge(
    app: Flask, client: FlaskClient, auth: AuthActions, funding: Funding
) -> None:
    ref = funding.group()
    treasurer = funding.member(ref, admin=True)
    own = funding.pledge(ref, treasurer, 1250, confirm=False)
    theirs = funding.pledge(ref, funding.member(ref), 500, confirm=False)
    auth.login_as(treasurer)

    page = client.get(f"/pools/{ref.pool_id}/treasurer").get_data(as_text=True)

    assert f'action="/pledges/{own}/confirm"' not in page
    assert f'action="/pledges/{own}/decline"' not in page
    assert "Another admin or a city official confirms your own pledge" in page
    assert f'action="/pledges/{theirs}/confirm"' in page
    assert f'action="/pledges/{theirs}/decline"' in page


def test_a_direct_post_for_ones_own_pledge_is_refused_with_a_flash(
    app: Flask, client: FlaskClient, auth: AuthActions, funding: Funding
) -> None:
    ref = funding.group()
    treasurer = funding.member(ref, admin=True)
    own = funding.pledge(ref, treasurer, 1250, confirm=False)
    before, audited = funding.counts(), audit_count(app)
    auth.login_as(treasurer)

    for act in ("confirm", "decline"):
        refused = client.post(f"/pledges/{own}/{act}")
        assert refused.status_code == 302, act
        assert refused.headers["Location"].endswith(f"/pools/{ref.pool_id}/treasurer"), act
        shown = client.get(refused.headers["Location"]).get_data(as_text=True)
        assert "another admin of the group or a city official" in shown, act

    assert status_of(app, own) == "pending"
    assert funding.counts() == before
    assert audit_count(app) == audited


def test_a_treasurer_is_not_told_to_hand_their_pledge_to_themself(
    client: FlaskClient, auth: AuthActions, funding: Funding, outbox: Callable[[], list[EmailMessage]]
) -> None:
    """Found from outside: the group page told its only treasurer "Hand the money to your group's
    treasurer... Treasurer: <their own name>", and "ask <their own name> for it back"."""
    ref = funding.group()
    treasurer = funding.member(ref, admin=True)
    funding.pledge(ref, treasurer, 900, confirm=False)
    auth.login_as(treasurer)
    page = client.get(f"/groups/{ref.group_id}").get_data(as_text=True)
    assert ": a city official confirms your own pledge when its money is in the pool." in page
    assert "You are a treasurer of " in page
    assert f"Treasurer: {treasurer.display_name}." not in page
    assert f"ask {treasurer.display_name} for it back" not in page
    assert "ask a city official for it back" in page
    # ... nor by its how-to-pay mail (found from outside: "Hand the money to your group's treasurer").
    (mail,) = [m for m in outbox() if str(m["Subject"]).startswith("How to pay your pledge")]
    text = mail.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "A city official confirms it when its money is in the pool." in text
    assert "treasurer confirms" not in text
    assert "Hand the money" not in text
