"""Ballots, ratios and amounts in digits int() refuses or misreads: a 4xx naming the field, nothing kept."""

# ruff: noqa: F811  (fixtures are imported, then requested by name)

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Group, Round, RoundBallot
from tests.funding.round_world import RoundWorld, world  # noqa: F401
from tests.funding_fixtures import Funding, funding  # noqa: F401

SUPERSCRIPT_TWO = "\u00b2"  # str.isdigit() says yes, int() refuses it
ARABIC_ONE = "\u0661"  # int() reads it as 1
HUGE = "139811782719347717115478016"
COSTS = (3000, 2000, 1500, 1000)


def voting_round(world: RoundWorld, **terms: Any) -> int:
    world.build(members=1, pledges=(5000,), costs=COSTS)
    rid = world.create(**terms)["id"]
    world.open_voting(rid)
    return rid


def ballots(world: RoundWorld) -> int:
    with world.app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(RoundBallot)) or 0)


def rounds(world: RoundWorld) -> int:
    with world.app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(Round)) or 0)


def text_of(response: Any) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


@pytest.mark.parametrize("bad", [SUPERSCRIPT_TWO, ARABIC_ONE, HUGE, "abc", " 1_0 "])
def test_api_approval_ballots_with_such_ids_are_refused(world: RoundWorld, bad: str) -> None:
    rid = voting_round(world)
    response = world.vote(world.members[0], rid, issue_ids=[bad])
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "issue_ids"
    assert ballots(world) == 0


@pytest.mark.parametrize("bad", [SUPERSCRIPT_TWO, ARABIC_ONE, HUGE])
def test_api_cumulative_ballots_with_such_ids_are_refused(world: RoundWorld, bad: str) -> None:
    rid = voting_round(world, ballot="cumulative", points=5)
    response = world.vote(world.members[0], rid, points={bad: 1})
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "points"
    assert ballots(world) == 0


def test_api_cumulative_points_past_64_bits_are_refused(world: RoundWorld) -> None:
    rid = voting_round(world, ballot="cumulative", points=5)
    # The stdlib encoder writes any int; the app's own (orjson) stops at 64 bits.
    body = json.dumps({"points": {str(world.issues[0]): 2**70}})
    response = world.client.put(
        f"/api/v1/rounds/{rid}/ballot",
        data=body,
        content_type="application/json",
        headers=world.headers(world.members[0]),
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "points"
    assert ballots(world) == 0


@pytest.mark.parametrize("ratio", [f"{SUPERSCRIPT_TWO}:1", f"{ARABIC_ONE}:{ARABIC_ONE}", f"{HUGE}:1", "1:0"])
def test_match_ratios_in_other_digits_are_refused(world: RoundWorld, ratio: str) -> None:
    world.build(members=1)
    assert world.ref is not None
    assert world.official is not None
    body = {
        "group_id": world.ref.group_id,
        "name": "Spring round",
        "ballot": "approval",
        "rule": "greedy",
        "top_n": 10,
        "leftover": "rollover",
        "match_ratio": ratio,
    }
    response = world.client.post("/api/v1/rounds", json=body, headers=world.headers(world.official))
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "match_ratio"
    assert rounds(world) == 0


def test_a_plain_ratio_still_works(world: RoundWorld) -> None:
    world.build(members=1)
    assert world.official is not None
    created = world.create(by=world.official, match_ratio="2:1")
    assert (created["match_ratio"], rounds(world)) == ("2:1", 1)


@pytest.mark.parametrize("bad", ["abc", SUPERSCRIPT_TWO, HUGE])
def test_the_web_ballot_refuses_such_ids_and_redisplays(world: RoundWorld, auth: Any, bad: str) -> None:
    rid = voting_round(world, ballot="k-approval", k=2)
    a = world.issues[0]
    auth.login(world.members[0].email)

    response = world.client.post(f"/rounds/{rid}/ballot", data={"issue_ids": [str(a), bad]})

    assert response.status_code == 422
    page = text_of(response)
    assert "issue_ids must list issue ids" in page
    ticked = re.search(
        rf'<input type="checkbox" name="issue_ids" value="{a}" data-cost="{COSTS[0]}"[^>]*>', page
    )
    assert ticked is not None
    assert " checked" in ticked.group(0)  # what was valid stays ticked
    assert ballots(world) == 0


@pytest.mark.parametrize("bad", [SUPERSCRIPT_TWO, ARABIC_ONE])
def test_the_web_cumulative_ballot_refuses_such_keys_and_values(
    world: RoundWorld, auth: Any, bad: str
) -> None:
    rid = voting_round(world, ballot="cumulative", points=5)
    a = world.issues[0]
    auth.login(world.members[0].email)

    key = world.client.post(f"/rounds/{rid}/ballot", data={f"points-{bad}": "1", f"points-{a}": "2"})
    value = world.client.post(f"/rounds/{rid}/ballot", data={f"points-{a}": bad})

    assert (key.status_code, value.status_code) == (422, 422)
    assert "points must list issue ids" in text_of(key)
    assert "must be a whole number" in text_of(value)
    assert ballots(world) == 0


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "-Infinity", "1e2", "1E2", "0x10", "5\u0665"])
def test_pledges_written_otherwise_than_with_digits_are_refused(
    client: Any, auth: Any, funding: Funding, amount: str
) -> None:
    ref = funding.group()
    auth.login(funding.member(ref).email)

    response = client.post(f"/groups/{ref.group_id}/pledge", data={"amount": amount, "idempotency_key": "k1"})

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "use digits and a decimal point, like 5.00" in page
    assert "more than zero" not in page
    assert "two decimals" not in page
    assert funding.counts() == (0, 0, 0)


def test_names_made_only_of_zero_width_characters_are_refused(world: RoundWorld, auth: Any) -> None:
    world.build(members=1)
    assert world.ref is not None
    assert world.official is not None
    terms = {"group_id": world.ref.group_id, "ballot": "approval", "rule": "greedy", "top_n": 5}
    body = {**terms, "leftover": "rollover", "name": "\u200b \u200b"}
    response = world.client.post("/api/v1/rounds", json=body, headers=world.headers(world.official))
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "name"
    assert rounds(world) == 0

    auth.login(world.official.email)
    area_id = world.funding.city["Riverside"]
    form = {"area_id": str(area_id), "name": "\u200b\u200c", "currency": "EUR", "max_pledge": "500.00"}
    page = world.client.post("/groups/new", data=form)
    assert page.status_code == 422
    assert "Name is required." in page.get_data(as_text=True)
    with world.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Group)) == 1  # world's own group only


# Found by sending 400 nines to the match form: its range check read the number as a float, a 500.
@pytest.mark.parametrize("number", [ARABIC_ONE, "9" * 400, "-" + "9" * 40, "0" * 30 + "9" * 16])
def test_web_forms_refuse_other_scripts_digits_and_huge_numbers(
    world: RoundWorld, auth: Any, number: str
) -> None:
    world.build(members=1, pledges=(3000,))
    assert world.ref is not None
    assert world.official is not None
    auth.login(world.official.email)

    # The match form comes back on the treasurers' page with the error beside the field it names.
    match = world.client.post(
        f"/pools/{world.ref.pool_id}/match", data={"ratio_num": number, "ratio_den": number, "cap": "10.00"}
    )
    assert 'id="ratio_num-error"' in match.get_data(as_text=True)
    assert 'id="ratio_den-error"' in match.get_data(as_text=True)
    form = {
        "name": "Autumn",
        "ballot": "k-approval",
        "k": number,
        "rule": "greedy",
        "top_n": number,
        "min_turnout": number,
        "leftover": "refund",
    }
    new_round = world.client.post(f"/groups/{world.ref.group_id}/rounds", data=form)
    group = world.client.post(
        "/groups/new", data={"area_id": number, "name": "Odd digits", "max_pledge": "500.00"}
    )

    assert (match.status_code, new_round.status_code, group.status_code) == (422, 422, 422)
    assert world.funding.balance(world.ref).matched_cents == 0
    assert rounds(world) == 0
    with world.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Group)) == 1
