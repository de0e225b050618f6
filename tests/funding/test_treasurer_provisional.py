"""The treasurer page warns before a pledge is confirmed under a provisional result.

Found from outside, as a treasurer: with a round's result waiting for certification, confirming a
pledge whose money had just arrived looked as harmless as ever, yet the official's certification then
failed with 409 ("send the result back and tally again") and the round had to be recounted. The page
now says so above the pending pledges while such a result waits, and stops once it is certified."""

# ruff: noqa: F811  (fixtures are imported, then requested by name)

from __future__ import annotations

from flask.testing import FlaskClient

from tests.conftest import AuthActions
from tests.funding.round_world import RoundWorld, world  # noqa: F401
from tests.funding_fixtures import funding  # noqa: F401

WARNING = 'data-testid="provisional-warning"'


def test_a_pending_pledge_under_a_provisional_result_is_flagged_until_certification(
    client: FlaskClient, auth: AuthActions, world: RoundWorld
) -> None:
    world.build(members=3, pledges=(1000, 1000), costs=(1500,))
    assert world.ref is not None
    assert world.admin is not None
    rid = world.create(name="Winter round", rule="greedy")["id"]
    world.open_voting(rid)
    assert world.vote(world.members[0], rid, issue_ids=[world.issues[0]]).status_code == 200
    assert world.tally(rid).status_code == 200
    auth.login(world.admin.email)
    treasurer_page = f"/pools/{world.ref.pool_id}/treasurer"
    assert WARNING not in client.get(treasurer_page).get_data(as_text=True)  # nothing pending

    world.funding.pledge(world.ref, world.members[2], 700, confirm=False)
    page = client.get(treasurer_page).get_data(as_text=True)
    assert WARNING in page
    assert "Winter round" in page
    assert "cannot certify it until it is sent back and tallied again" in page

    auth.logout()
    # The official's match by hand adds money the result did not count too: its form says so.
    assert world.official is not None
    auth.login(world.official.email)
    assert 'data-testid="provisional-match-warning"' in client.get(treasurer_page).get_data(as_text=True)
    auth.logout()  # the API below, by bearer token alone
    assert world.certify(rid).status_code == 200
    auth.login(world.admin.email)
    assert WARNING not in client.get(treasurer_page).get_data(as_text=True)
