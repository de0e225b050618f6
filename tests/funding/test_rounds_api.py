"""Rounds through the API: creation and its errors, phases forward only, frozen terms, candidates."""

# ruff: noqa: F811  (fixtures are imported, then requested by name)

from __future__ import annotations

from typing import Any

import pytest

from app.extensions import db
from app.models import Round
from tests.funding.round_world import RoundWorld, world  # noqa: F401
from tests.funding_fixtures import funding  # noqa: F401
from tests.testcity import RIVERSIDE


def test_an_admin_creates_a_draft_round(world: RoundWorld) -> None:
    world.build(members=1)
    body = world.create(ballot="k-approval", k=3, rule="phragmen", top_n=5, leftover="refund")

    assert body["group_id"] == world.ref.group_id
    assert body["pool_id"] == world.ref.pool_id
    assert (body["ballot"], body["k"], body["rule"], body["top_n"]) == ("k-approval", 3, "phragmen", 5)
    assert (body["phase"], body["voting"], body["leftover"], body["match_ratio"]) == (
        "draft",
        True,
        "refund",
        None,
    )
    assert [p["phase"] for p in body["phases"]] == ["draft", "pledging", "voting", "tallied", "closed"]
    assert body["phases"][0]["at"] is not None
    assert all(p["at"] is None for p in body["phases"][1:])


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"ballot": "ranked"}, "ballot"),
        ({"rule": "borda"}, "rule"),
        ({"top_n": 0}, "top_n"),
        ({"top_n": "ten"}, "top_n"),
        ({"ballot": "k-approval"}, "k"),
        ({"ballot": "cumulative", "points": -1}, "points"),
        # Found from outside: Phragmén (and Exact Equal Shares) would ignore the points.
        ({"ballot": "cumulative", "points": 10, "rule": "phragmen"}, "rule"),
        ({"ballot": "cumulative", "points": 10, "rule": "exactequalshares/addopt"}, "rule"),
        ({"leftover": "keep"}, "leftover"),
        ({"name": "   "}, "name"),
        ({"group_id": 999999}, "group_id"),
        ({"voting": "yes"}, "voting"),
    ],
)
def test_bad_terms_name_the_field_and_store_nothing(
    world: RoundWorld, count_rows, change: dict[str, Any], field: str
) -> None:
    world.build(members=1)
    body = {
        "group_id": world.ref.group_id,
        "name": "R",
        "ballot": "approval",
        "rule": "greedy",
        "top_n": 5,
        "leftover": "rollover",
        **change,
    }

    response = world.client.post("/api/v1/rounds", json=body, headers=world.headers(world.admin))

    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["field"] == field
    assert count_rows(Round) == 0


def test_only_officials_add_a_match_and_residents_cannot_create(world: RoundWorld, count_rows) -> None:
    world.build(members=1)
    body = {
        "group_id": world.ref.group_id,
        "name": "R",
        "ballot": "approval",
        "rule": "greedy",
        "top_n": 5,
        "leftover": "rollover",
    }
    by_admin = world.client.post(
        "/api/v1/rounds", json={**body, "match_ratio": "1:1"}, headers=world.headers(world.admin)
    )
    by_member = world.client.post("/api/v1/rounds", json=body, headers=world.headers(world.members[0]))
    anonymous = world.client.post("/api/v1/rounds", json=body)
    bad_ratio = world.client.post(
        "/api/v1/rounds", json={**body, "match_ratio": "one"}, headers=world.headers(world.official)
    )

    assert by_admin.status_code == 403
    assert by_admin.get_json()["error"]["field"] == "match_ratio"
    assert by_member.status_code == 403
    assert anonymous.status_code == 401
    assert bad_ratio.status_code == 422
    assert bad_ratio.get_json()["error"]["field"] == "match_ratio"
    assert count_rows(Round) == 0
    ok = world.create(by=world.official, match_ratio="1:2", match_cap_cents=50000)
    assert (ok["match_ratio"], ok["match_cap_cents"]) == ("1:2", 50000)


def test_phases_move_forward_one_at_a_time_with_dates(world: RoundWorld, app) -> None:
    world.build(members=1, costs=(50000,))
    rid = world.create()["id"]

    skipped = world.phase(rid, "voting")
    assert skipped.status_code == 409
    assert "next phase of this round is pledging" in skipped.get_json()["error"]["message"]
    assert world.phase(rid, "pledging").status_code == 200
    backwards = world.phase(rid, "draft")
    assert backwards.status_code == 409
    assert backwards.get_json()["error"] == {
        "code": "conflict",
        "message": "Phases only move forward: this round is already pledging, it cannot go back to draft.",
        "field": "phase",
    }
    assert world.phase(rid, "pledging").status_code == 409
    assert world.phase(rid, "tallied").status_code == 409
    unknown = world.phase(rid, "finished")
    assert (unknown.status_code, unknown.get_json()["error"]["field"]) == (422, "phase")
    assert world.phase(rid, "voting", by=world.members[0]).status_code == 403
    voting = world.phase(rid, "voting", by=world.official)
    assert voting.status_code == 200
    dates = {p["phase"]: p["at"] for p in voting.get_json()["phases"]}
    assert dates["pledging"]
    assert dates["voting"]
    assert dates["tallied"] is None
    with app.app_context():
        assert db.session.get(Round, rid).phase == "voting"


def test_a_pool_runs_one_round_at_a_time(world: RoundWorld, app) -> None:
    world.build(members=2, pledges=(3000, 3000), costs=(2000, 1000))
    spring = world.create(name="Spring round")["id"]
    autumn = world.create(name="Autumn round")["id"]  # drafting the next round is fine
    world.open_voting(spring)
    assert world.vote(world.members[0], spring, issue_ids=[world.issues[0]]).status_code == 200

    def refused_because(state: str) -> None:
        refused = world.phase(autumn, "pledging")
        assert refused.status_code == 409
        assert refused.get_json()["error"] == {
            "code": "conflict",
            "message": f"The group's pool runs one round at a time: “Spring round” {state}. This round "
            "can leave draft once that one's result is certified or it is cancelled.",
            "field": "phase",
        }
        with app.app_context():
            assert db.session.get(Round, autumn).phase == "draft"  # nothing stored

    refused_because("is in voting")
    assert world.tally(spring).status_code == 200
    refused_because("has a provisional result")
    assert world.certify(spring).status_code == 200
    assert world.phase(autumn, "pledging").status_code == 200
    # And a cancelled round lets the pool go too.
    winter = world.create(name="Winter round")["id"]
    assert world.phase(winter, "pledging").status_code == 409
    world.free_pool()
    assert world.phase(winter, "pledging").status_code == 200


def test_ballot_type_and_rule_are_frozen_once_voting_opens(world: RoundWorld) -> None:
    world.build(members=1, costs=(1000,))
    rid = world.create()["id"]
    headers = world.headers(world.admin)
    before = world.client.patch(
        f"/api/v1/rounds/{rid}", json={"rule": "greedy", "ballot": "knapsack"}, headers=headers
    )
    assert (before.status_code, before.get_json()["rule"], before.get_json()["ballot"]) == (
        200,
        "greedy",
        "knapsack",
    )
    world.open_voting(rid)

    for change, field in (({"rule": "phragmen"}, "rule"), ({"ballot": "approval"}, "ballot")):
        response = world.client.patch(f"/api/v1/rounds/{rid}", json=change, headers=headers)
        assert response.status_code == 409
        assert response.get_json()["error"]["field"] == field
        assert "cannot change once voting has opened" in response.get_json()["error"]["message"]
    after = world.client.get(f"/api/v1/rounds/{rid}").get_json()
    assert (after["rule"], after["ballot"]) == ("greedy", "knapsack")


def test_candidates_are_the_areas_costed_open_issues_by_likes(world: RoundWorld) -> None:
    world.build(members=1)
    top = world.costed_issue(500, likes_from=3, age_days=5)
    tie_older = world.costed_issue(700, likes_from=2, age_days=1)
    tie_newer = world.costed_issue(600, likes_from=2, age_days=9)
    world.costed_issue(None, likes_from=9)  # not costed
    world.costed_issue(800, likes_from=9, status="fixed")  # not open
    world.costed_issue(900, likes_from=9, place=RIVERSIDE)  # another area
    world.costed_issue(100, likes_from=0)  # below the top 3
    rid = world.create(top_n=3)["id"]

    live = world.client.get(f"/api/v1/rounds/{rid}/candidates").get_json()
    assert live["snapshot"] is False
    assert [c["issue_id"] for c in live["candidates"]] == [top, tie_older, tie_newer]
    assert [c["cost_cents"] for c in live["candidates"]] == [500, 700, 600]

    world.open_voting(rid)
    later = world.costed_issue(50, likes_from=20)  # arrives after the snapshot
    frozen = world.client.get(f"/api/v1/rounds/{rid}/candidates").get_json()
    assert frozen["snapshot"] is True
    assert [c["issue_id"] for c in frozen["candidates"]] == [top, tie_older, tie_newer]
    assert later not in [c["issue_id"] for c in frozen["candidates"]]


def test_a_misspelled_term_of_a_new_round_is_refused(world: RoundWorld) -> None:
    """Found from outside: `min_turnuot` made a round without a minimum turnout (201)."""
    world.build(members=1, pledges=(1000,), costs=(500,))
    assert world.ref is not None
    body = {
        "group_id": world.ref.group_id,
        "name": "Typo",
        "ballot": "approval",
        "rule": "greedy",
        "top_n": 3,
        "leftover": "rollover",
        "min_turnuot": 50,
    }
    response = world.client.post("/api/v1/rounds", json=body, headers=world.headers(world.admin))
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "min_turnuot"
    del body["min_turnuot"], body["top_n"]
    missing = world.client.post("/api/v1/rounds", json=body, headers=world.headers(world.admin))
    assert missing.get_json()["error"] == {
        "code": "invalid",
        "field": "top_n",
        "message": "The number of candidates (top_n) is required: a whole number from 1 to 500.",
    }
