"""Leaving a group with pledges: what the leave step and the flash say becomes of them, what a former
member's withdraw step says, and a pledge sent from a tab opened before leaving (found from outside:
"Money you pledged stays in its pool" was said of a pledge still waiting for the treasurer, a former
member was told they "can pledge again", and the stale tab's pledge was refused without a word)."""

# ruff: noqa: F811  (fixtures are imported, then requested by name)

from __future__ import annotations

import html

from flask.testing import FlaskClient

from tests.conftest import AuthActions
from tests.funding_fixtures import Funding, funding  # noqa: F401


def words(page: str) -> str:
    return " ".join(html.unescape(page).split())


def test_leaving_with_a_waiting_pledge_says_what_becomes_of_it(
    client: FlaskClient, auth: AuthActions, funding: Funding
) -> None:
    ref = funding.group()
    funding.member(ref, admin=True)
    resident = funding.member(ref)
    funding.pledge(ref, resident, 1000)  # confirmed
    funding.pledge(ref, resident, 700, confirm=False)  # waiting for the treasurer
    auth.login(resident.email)
    step = words(client.get(f"/groups/{ref.group_id}").get_data(as_text=True))
    said = (
        "Confirmed pledges stay in its pool; the EUR 7.00 still waiting for the treasurer is confirmed or "
        "declined as before, or you withdraw it on the group's page."
    )
    assert said in step  # the leave step, before it is taken
    assert "Money you pledged stays in its pool." not in step

    left = words(client.post(f"/groups/{ref.group_id}/leave", follow_redirects=True).get_data(as_text=True))
    assert f"You left the group. {said}" in left
    assert "This cannot be undone, but you can join the group again and pledge." in left  # its withdraw step
    assert "but you can pledge again." not in left


def test_leaving_with_only_confirmed_pledges_says_they_stay(
    client: FlaskClient, auth: AuthActions, funding: Funding
) -> None:
    ref = funding.group()
    resident = funding.member(ref)
    funding.pledge(ref, resident, 1000)
    auth.login(resident.email)
    left = words(client.post(f"/groups/{ref.group_id}/leave", follow_redirects=True).get_data(as_text=True))
    assert "You left the group. Money you pledged stays in its pool." in left


def test_a_pledge_from_a_tab_opened_before_leaving_says_it_was_not_recorded(
    client: FlaskClient, auth: AuthActions, funding: Funding
) -> None:
    ref = funding.group()
    resident = funding.member(ref)
    auth.login(resident.email)
    client.post(f"/groups/{ref.group_id}/leave")
    before = funding.counts()
    sent = client.post(f"/groups/{ref.group_id}/pledge", data={"amount": "5.00", "idempotency_key": "stale"})
    assert sent.status_code == 403
    page = words(sent.get_data(as_text=True))
    assert 'data-testid="pledge-not-recorded"' in page
    assert "Your pledge was not recorded" in page
    assert funding.counts() == before
