"""Where residents send what they pledge: a group's treasurers say it once on their page, and residents
see it beside every pledge (found from outside: a pledge said "transfer it to the group's account" and
no page said which account)."""

# ruff: noqa: F811  (the `funding` fixture is imported, then requested by name)

from __future__ import annotations

import re
from html import unescape

from flask import Flask
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry, Pool
from app.services.kernel.text import as_sentence
from tests.funding_fixtures import funding  # noqa: F401  (fixture)

DETAILS = "Transfer to NL91 ABNA 0417 1643 00, Old Town Neighbours; or cash to Ana at the market stall."


def words(html: str) -> str:
    """A page's text as read: tags dropped, entities decoded."""
    return unescape(re.sub(r"<[^>]+>", "", html))


def stored(app: Flask, pool_id: int) -> str:
    with app.app_context():
        found = db.session.get(Pool, pool_id)
        assert found is not None
        return found.payment_details


def test_the_treasurer_says_where_to_pay_and_residents_see_it_beside_every_pledge(
    app, client, auth, funding
) -> None:
    ref = funding.group(name="Old Town neighbours")
    treasurer = funding.member(ref, admin=True)
    resident = funding.member(ref)
    auth.login(treasurer.email)
    page = client.get(f"/pools/{ref.pool_id}/treasurer").get_data(as_text=True)
    assert "Not said yet" in page
    saved = client.post(
        f"/pools/{ref.pool_id}/payment-details",
        data={"payment_details": f"  {DETAILS}  "},
        follow_redirects=True,
    )
    assert "The payment details are saved" in saved.get_data(as_text=True)
    assert stored(app, ref.pool_id) == DETAILS
    again = client.post(
        f"/pools/{ref.pool_id}/payment-details", data={"payment_details": DETAILS}, follow_redirects=True
    )
    assert "already so" in again.get_data(as_text=True)
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.action == "pool.payment_details")
        ).all()
    assert len(actions) == 1  # the second, unchanged form records nothing

    auth.logout()
    auth.login(resident.email)
    group_page = unescape(client.get(f"/groups/{ref.group_id}").get_data(as_text=True))
    assert f"Where to pay: {DETAILS}" in group_page
    assert f"Where to pay: {DETAILS}" in unescape(client.get(f"/pools/{ref.pool_id}").get_data(as_text=True))
    pledged = client.post(
        f"/groups/{ref.group_id}/pledge",
        data={"amount": "5", "idempotency_key": "k-where"},
        follow_redirects=True,
    )
    assert f"Where to pay: {DETAILS} With a transfer, quote “pledge" in unescape(
        pledged.get_data(as_text=True)
    )
    assert client.get(f"/api/v1/pools/{ref.pool_id}").get_json()["payment_details"] == DETAILS


def test_only_the_groups_admins_and_officials_change_them_and_bad_text_stores_nothing(
    app, client, auth, funding, make_user
) -> None:
    ref = funding.group()
    member = funding.member(ref)
    auth.login(member.email)
    refused = client.post(f"/pools/{ref.pool_id}/payment-details", data={"payment_details": "Pay me"})
    assert refused.status_code == 403
    assert stored(app, ref.pool_id) == ""

    auth.logout()
    auth.login(make_user(role="official").email)
    long = client.post(
        f"/pools/{ref.pool_id}/payment-details", data={"payment_details": "x" * 301}, follow_redirects=True
    )
    assert "Nothing changed: Payment details must be at most 300 characters (it has 301)." in long.get_data(
        as_text=True
    )
    assert stored(app, ref.pool_id) == ""
    hidden = client.post(f"/pools/{ref.pool_id}/payment-details", data={"payment_details": "IBAN\u202e00"})
    assert hidden.status_code in (302, 422)
    assert stored(app, ref.pool_id) == ""
    client.post(f"/pools/{ref.pool_id}/payment-details", data={"payment_details": "Cash to the official"})
    assert stored(app, ref.pool_id) == "Cash to the official"
    cleared = client.post(
        f"/pools/{ref.pool_id}/payment-details", data={"payment_details": ""}, follow_redirects=True
    )
    assert "saved" in cleared.get_data(as_text=True)
    assert stored(app, ref.pool_id) == ""


def test_a_member_named_like_the_treasurer_is_told_where_to_pay_not_that_they_are_a_treasurer(
    app, client, auth, funding
) -> None:
    # Who is a treasurer was told by comparing display names: a member called like the group's admin
    # read "You are a treasurer", and no word on where to pay.
    ref = funding.group()
    funding.member(ref, admin=True, display_name="Ana")
    namesake = funding.member(ref, display_name="Ana")
    with app.app_context():
        pool = db.session.get(Pool, ref.pool_id)
        assert pool is not None
        pool.payment_details = "Cash to Ana at the market stall."
        db.session.commit()
    auth.login(namesake.email)
    page = words(client.get(f"/groups/{ref.group_id}").get_data(as_text=True))
    assert "You are a treasurer" not in page
    assert "Where to pay: Cash to Ana at the market stall. Treasurer: Ana." in page


def test_the_treasurers_words_end_a_sentence_before_the_page_goes_on() -> None:
    assert as_sentence("Cash to Ana") == "Cash to Ana."
    assert as_sentence("Cash to Ana. ") == "Cash to Ana."
    assert as_sentence("Ask Ana!") == "Ask Ana!"
    assert as_sentence("Quote “pledge 4.”") == "Quote “pledge 4.”"
    assert as_sentence("(IBAN NL91 ABNA 0417 1643 00)") == "(IBAN NL91 ABNA 0417 1643 00)."
    assert as_sentence("") == ""
