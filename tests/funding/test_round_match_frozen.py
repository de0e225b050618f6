"""The city's match of a round is fixed once voting opens: members vote on the budget it makes.

Found from outside: an official could remove or change the match after the vote (even after the
ballots were published in the round's export), re-tally, and so pick the outcome."""

# ruff: noqa: F811  (fixtures are imported, then requested by name)
from __future__ import annotations

import re

from app.extensions import db
from app.models import Round
from tests.funding.round_world import RoundWorld, world  # noqa: F401
from tests.funding_fixtures import funding  # noqa: F401


def test_the_match_cannot_change_once_voting_has_opened(world: RoundWorld, auth) -> None:
    world.build(members=2, pledges=(1000, 1000), costs=(1500, 2500))
    rid = world.create(by=world.official, match_ratio="1:1", match_cap_cents=2000)["id"]
    assert world.official is not None
    official = world.headers(world.official)
    # Before voting the city may still change it.
    early = world.client.patch(f"/api/v1/rounds/{rid}", json={"match_ratio": "1:2"}, headers=official)
    assert early.status_code == 200, early.get_json()
    world.open_voting(rid)

    removed = world.client.patch(f"/api/v1/rounds/{rid}", json={"match_ratio": None}, headers=official)
    raised = world.client.patch(
        f"/api/v1/rounds/{rid}", json={"match_ratio": "1:1", "match_cap_cents": 2000}, headers=official
    )
    same = world.client.patch(f"/api/v1/rounds/{rid}", json={"match_ratio": "1:2"}, headers=official)

    assert (removed.status_code, removed.get_json()["error"]["field"]) == (409, "match_ratio")
    assert "cannot change once voting has opened" in removed.get_json()["error"]["message"]
    assert raised.status_code == 409
    assert same.status_code == 200  # sending what it is changes nothing
    auth.login(world.official.email)
    form = world.client.post(f"/rounds/{rid}/match", data={"match_ratio": "", "match_cap": ""})
    assert form.status_code == 422
    assert "cannot change once voting has opened" in form.get_data(as_text=True)
    page = re.sub(r"\s+", " ", world.client.get(f"/rounds/{rid}").get_data(as_text=True))
    assert f'action="/rounds/{rid}/match"' not in page
    assert "City match:</strong> 1:2. It cannot change now: voting has opened" in page
    with world.app.app_context():
        found = db.session.get(Round, rid)
        assert found is not None
        assert (found.match_num, found.match_den) == (1, 2)


def test_where_likes_are_the_ballots_the_match_is_fixed_once_pledging_opens(world: RoundWorld) -> None:
    """Found from outside: a round without a voting phase (members' likes are its ballots, public from
    pledging on) still let the official change the match, with the likes in view."""
    world.build(members=2, pledges=(1000, 1000), costs=(1500, 2500))
    assert world.official is not None
    official = world.headers(world.official)
    rid = world.create(by=world.official, voting=False, rule="greedy", match_ratio="1:1")["id"]
    in_draft = world.client.patch(f"/api/v1/rounds/{rid}", json={"match_ratio": "1:2"}, headers=official)
    assert in_draft.status_code == 200, in_draft.get_json()
    assert world.phase(rid, "pledging").status_code == 200

    changed = world.client.patch(f"/api/v1/rounds/{rid}", json={"match_ratio": "5:1"}, headers=official)

    assert changed.status_code == 409
    assert "once pledging has opened (likes are the ballots)" in changed.get_json()["error"]["message"]
