"""Ballots: members vote while voting is open, change their minds, and bad ballots store nothing."""

# ruff: noqa: F811  (fixtures are imported, then requested by name)

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import RoundBallot
from tests.funding.round_world import RoundWorld, world  # noqa: F401
from tests.funding_fixtures import funding  # noqa: F401

COSTS = (3000, 2000, 1500, 1000)


def voting_round(world: RoundWorld, **terms: Any) -> int:
    world.build(members=2, pledges=(2500, 2500), costs=COSTS)
    rid = world.create(**terms)["id"]
    world.open_voting(rid)
    return rid


def stored(world: RoundWorld, rid: int) -> list[dict[str, int]]:
    with world.app.app_context():
        return list(db.session.scalars(select(RoundBallot.choices).where(RoundBallot.round_id == rid)))


def test_a_member_votes_and_changes_their_ballot(world: RoundWorld) -> None:
    rid = voting_round(world)
    a, b, c, _ = world.issues
    member = world.members[0]

    first = world.vote(member, rid, issue_ids=[a, b])
    second = world.vote(member, rid, issue_ids=[c])

    assert first.get_json() == {"round_id": rid, "cast": True, "issue_ids": sorted([a, b]), "counts": True}
    assert second.get_json()["issue_ids"] == [c]
    assert stored(world, rid) == [{str(c): 1}]
    mine = world.client.get(f"/api/v1/rounds/{rid}/ballot", headers=world.headers(member)).get_json()
    assert mine["issue_ids"] == [c]


def test_non_members_are_refused_and_closed_voting_is_a_conflict(world: RoundWorld) -> None:
    world.build(members=1, pledges=(1000,), costs=(500,))
    rid = world.create()["id"]
    outsider = world.make_user()
    issue = world.issues[0]

    not_open = world.vote(world.members[0], rid, issue_ids=[issue])
    world.open_voting(rid)
    outside = world.vote(outsider, rid, issue_ids=[issue])
    assert world.vote(world.members[0], rid, issue_ids=[issue]).status_code == 200
    assert world.tally(rid).status_code == 200
    after = world.vote(world.members[0], rid, issue_ids=[])

    assert not_open.status_code == 409
    assert "not opened yet" in not_open.get_json()["error"]["message"]
    assert outside.status_code == 403
    assert outside.get_json()["error"]["field"] == "eligibility"
    assert "Join the group to vote in its next round" in outside.get_json()["error"]["message"]
    assert after.status_code == 409
    assert "closed" in after.get_json()["error"]["message"]
    assert stored(world, rid) == [{str(issue): 1}]
    assert world.client.put(f"/api/v1/rounds/{rid}/ballot", json={"issue_ids": []}).status_code == 401


@pytest.mark.parametrize(
    ("terms", "make_body", "field", "reason"),
    [
        (
            {"ballot": "k-approval", "k": 2},
            lambda ids: {"issue_ids": ids[:3]},
            "issue_ids",
            "allows at most 2",
        ),
        ({"ballot": "knapsack"}, lambda ids: {"issue_ids": ids[:3]}, "issue_ids", "more than the EUR"),
        ({"ballot": "approval"}, lambda ids: {"issue_ids": [ids[0], 999999]}, "issue_ids", "not a candidate"),
        ({"ballot": "approval"}, lambda ids: {"issue_ids": [ids[0], ids[0]]}, "issue_ids", "more than once"),
        ({"ballot": "approval"}, lambda ids: {"issue_ids": "all"}, "issue_ids", "send issue_ids"),
        ({"ballot": "approval"}, lambda ids: {"points": {str(ids[0]): 1}}, "issue_ids", "send issue_ids"),
        (
            {"ballot": "cumulative", "points": 5},
            lambda ids: {"points": {str(ids[0]): 4, str(ids[1]): 2}},
            "points",
            "1 more than the 5 points you have",
        ),
        (
            {"ballot": "cumulative"},
            lambda ids: {"points": {str(ids[0]): -1}},
            "points",
            "must not be negative",
        ),
        ({"ballot": "cumulative"}, lambda ids: {"points": {str(ids[0]): 1.5}}, "points", "whole number"),
        ({"ballot": "cumulative"}, lambda ids: {"issue_ids": ids}, "points", "send points"),
    ],
)
def test_bad_ballots_name_the_field_and_store_nothing(
    world: RoundWorld, terms, make_body, field, reason
) -> None:
    rid = voting_round(world, **terms)

    response = world.vote(world.members[0], rid, **make_body(world.issues))

    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["field"] == field
    assert reason in error["message"]
    assert stored(world, rid) == []


def test_a_bad_ballot_leaves_the_earlier_one_in_place(world: RoundWorld) -> None:
    rid = voting_round(world, ballot="k-approval", k=1)
    a, b, *_ = world.issues
    assert world.vote(world.members[0], rid, issue_ids=[a]).status_code == 200
    assert world.vote(world.members[0], rid, issue_ids=[a, b]).status_code == 422
    assert stored(world, rid) == [{str(a): 1}]


def test_knapsack_and_cumulative_ballots_within_their_limits(world: RoundWorld) -> None:
    rid = voting_round(world, ballot="knapsack")
    a, b, c, d = world.issues
    assert world.vote(world.members[0], rid, issue_ids=[a, b]).status_code == 200  # 50.00 of 50.00
    world.free_pool()  # a pool runs one round at a time
    world2_rid = world.create(name="Points", ballot="cumulative", points=6)["id"]
    world.open_voting(world2_rid)
    response = world.vote(world.members[1], world2_rid, points={str(c): 4, str(d): 2, str(a): 0})
    assert response.get_json()["points"] == {str(c): 4, str(d): 2}
