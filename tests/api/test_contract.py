"""The contract check: responses that drift from the OpenAPI document fail tests; rounds tell null truly."""

# ruff: noqa: F811  (fixtures are imported, then requested by name)

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask, Response, jsonify
from flask.testing import FlaskClient

from tests.api_contract import ContractChecker, ContractViolation, checker_for
from tests.funding.round_world import RoundWorld, world  # noqa: F401
from tests.funding_fixtures import funding  # noqa: F401

ROUND_PATH = "/api/v1/rounds/7"


def a_round(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": 7,
        "group_id": 1,
        "pool_id": 1,
        "name": "Spring",
        "ballot": "approval",
        "k": None,
        "points": None,
        "rule": "greedy",
        "top_n": 5,
        "match_ratio": None,
        "match_cap_cents": None,
        "leftover": "rollover",
        "voting": True,
        "phase": "draft",
        "phases": [{"phase": "draft", "at": "2026-06-18T23:56:00Z"}],
        "tally_running": False,
        "opens_at": None,
        "closes_at": None,
        "voting_open": False,
        "voting_closed_at": None,
        "min_turnout": None,
        "tally_held": False,
        "result_status": None,
        "certified_at": None,
        "official_note": None,
        "eligibility": "members",
        "turnout": {"ballots": 0, "eligible": 3, "final": False},
        "url": "http://localhost/rounds/7",
    }
    body.update(changes)
    return body


@pytest.fixture
def checker(app: Flask) -> ContractChecker:
    return checker_for(app)


def test_a_round_as_documented_passes(checker: ContractChecker) -> None:
    checker.check("GET", ROUND_PATH, 200, "application/json", lambda: a_round())
    checker.check("GET", ROUND_PATH, 200, "application/json", lambda: a_round(points=10, match_ratio="1:2"))


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        (a_round(points="ten"), "points"),
        (a_round(match_ratio="half"), "match_ratio"),
        (a_round(phase="voted"), "phase"),
        ({k: v for k, v in a_round().items() if k != "tally_running"}, "tally_running"),
        (a_round(surprise=1), "surprise"),
        (a_round(phases=[{"phase": "draft"}]), "at"),
    ],
)
def test_a_drifted_shape_is_a_violation(
    checker: ContractChecker, body: dict[str, Any], complaint: str
) -> None:
    with pytest.raises(ContractViolation, match=complaint):
        checker.check("GET", ROUND_PATH, 200, "application/json", lambda: body)


def test_undocumented_statuses_media_types_and_error_shapes_are_violations(checker: ContractChecker) -> None:
    with pytest.raises(ContractViolation, match="status not documented"):
        checker.check("GET", ROUND_PATH, 500, "application/json", lambda: {"error": {}})
    with pytest.raises(ContractViolation, match="content type"):
        checker.check("GET", "/api/v1/issues", 200, "text/html", lambda: None)
    with pytest.raises(ContractViolation, match="field"):
        checker.check(
            "GET", ROUND_PATH, 404, "application/json", lambda: {"error": {"code": "x", "message": "y"}}
        )
    checker.check(
        "GET",
        ROUND_PATH,
        404,
        "application/json",
        lambda: {"error": {"code": "x", "message": "y", "field": None}},
    )


def test_the_test_client_fails_a_test_on_a_drifted_response(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert client.get("/api/v1/health").get_json() == {"status": "ok"}

    def drifted(payload: object) -> Response:
        return jsonify({"status": "fine"})

    monkeypatch.setattr("app.api.reference.jsonify", drifted)
    with pytest.raises(ContractViolation, match="status"):
        client.get("/api/v1/health")


def test_a_round_says_null_where_it_has_no_points_match_or_cap(
    world: RoundWorld, client: FlaskClient
) -> None:
    """GET /rounds/{id} answers null for points, match_ratio and match_cap_cents of an approval round
    without a city match; the document says so (the client checks it) and a cumulative round with a
    capped match answers numbers."""
    world.build(members=1)
    plain = world.create(ballot="approval")
    found = client.get(f"/api/v1/rounds/{plain['id']}")
    assert found.status_code == 200
    assert {
        k: found.get_json()[k] for k in ("k", "points", "match_ratio", "match_cap_cents")
    } == dict.fromkeys(("k", "points", "match_ratio", "match_cap_cents"))

    matched = world.create(
        by=world.official, ballot="cumulative", points=12, match_ratio="1:2", match_cap_cents=50_000
    )
    found = client.get(f"/api/v1/rounds/{matched['id']}").get_json()
    assert (found["points"], found["match_ratio"], found["match_cap_cents"]) == (12, "1:2", 50_000)
    uncapped = world.create(by=world.official, ballot="approval", match_ratio="1:1")
    assert client.get(f"/api/v1/rounds/{uncapped['id']}").get_json()["match_cap_cents"] is None
