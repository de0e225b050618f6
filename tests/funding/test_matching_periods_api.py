"""Matching periods through the API and the web pages: officials create, change and close them; bad
input is a 4xx naming the field with nothing stored; only officials manage periods; audited. Both engines."""

# ruff: noqa: F811  (fixtures are imported, then requested by name)

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry
from app.models.timestamps import utcnow
from tests.conftest import AuthActions
from tests.funding.match_world import MatchWorld, match_world  # noqa: F401


def iso(delta: timedelta) -> str:
    return (utcnow() + delta).replace(microsecond=0).isoformat() + "Z"


def period_form(**changes: str) -> dict[str, str]:
    """The new period page's fields, filled in as an official would (amounts in euros)."""
    return {
        "name": "Summer",
        "area_id": "0",
        "closes_at": (utcnow() + timedelta(days=40)).strftime("%Y-%m-%dT%H:%M"),
        "fund": "100.00",
        "problem_cap": "50.00",
        "backer_cap": "5.00",
        **changes,
    }


def terms(**changes: Any) -> dict[str, Any]:
    base = {
        "name": "Spring 2027",
        "closes_at": iso(timedelta(days=30)),
        "fund_cents": 1_000_000,
        "problem_cap_cents": 50_000,
        "backer_cap_cents": 5_000,
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not ...}


@pytest.fixture
def official(auth: AuthActions) -> dict[str, str]:
    return auth.headers(role="official")


def audit_actions(match_world: MatchWorld) -> list[str]:
    with match_world.app.app_context():
        return list(
            db.session.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.action.startswith("matching_period"))
                .order_by(AuditEntry.id)
            )
        )


def test_an_official_creates_reads_and_lists_a_period(
    client: FlaskClient, official: dict, city: dict
) -> None:
    created = client.post(
        "/api/v1/matching-periods",
        json=terms(area_id=city["Old Town"], opens_at=iso(timedelta(days=1))),
        headers=official,
    )
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["area"] == {"id": city["Old Town"], "name": "Old Town"}
    assert body["open"] is False
    assert body["problems"] == []
    assert body["matched_cents"] == 0
    got = client.get(f"/api/v1/matching-periods/{body['id']}").get_json()
    assert got["fund_cents"] == 1_000_000
    listed = client.get("/api/v1/matching-periods").get_json()["periods"]
    assert [p["id"] for p in listed] == [body["id"]]
    assert client.get("/api/v1/matching-periods/999999").status_code == 404


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"fund_cents": 5.5}, "fund_cents"),
        ({"fund_cents": -100}, "fund_cents"),
        ({"fund_cents": "1000"}, "fund_cents"),
        ({"fund_cents": True}, "fund_cents"),
        ({"fund_cents": ...}, "fund_cents"),
        ({"problem_cap_cents": 0}, "problem_cap_cents"),
        ({"fund_cents": 10_000}, "problem_cap_cents"),  # a cap per problem above the whole fund
        ({"backer_cap_cents": 12.25}, "backer_cap_cents"),
        ({"backer_cap_cents": 10**15}, "backer_cap_cents"),
        ({"opens_at": iso(timedelta(days=5)), "closes_at": iso(timedelta(days=4))}, "closes_at"),
        ({"closes_at": iso(-timedelta(days=1))}, "closes_at"),
        ({"closes_at": "next tuesday"}, "closes_at"),
        ({"opens_at": iso(-timedelta(days=2))}, "opens_at"),
        ({"name": "  "}, "name"),
        ({"area_id": 999_999}, "area_id"),
    ],
)
def test_bad_terms_are_refused_naming_the_field_and_nothing_is_stored(
    client: FlaskClient, official: dict, table_counts: Callable[[], dict[str, int]], changes: dict, field: str
) -> None:
    before = table_counts()
    refused = client.post("/api/v1/matching-periods", json=terms(**changes), headers=official)
    assert refused.status_code == 422, refused.get_json()
    assert refused.get_json()["error"]["field"] == field
    assert table_counts() == before


def test_the_periods_times_are_refused_in_words_a_person_reads(client: FlaskClient, official: dict) -> None:
    """Found from outside: the web form's errors read "closes_at must come after opens_at."."""
    wrong_order = terms(opens_at=iso(timedelta(days=5)), closes_at=iso(timedelta(days=4)))
    refused = client.post("/api/v1/matching-periods", json=wrong_order, headers=official).get_json()
    assert refused["error"]["message"] == ("The closing time must come after the opening time.")
    past = client.post(
        "/api/v1/matching-periods", json=terms(opens_at=iso(-timedelta(days=2))), headers=official
    )
    assert past.get_json()["error"]["message"] == "The opening time must not be in the past."


def test_fund_and_caps_cannot_change_after_the_period_opened(
    client: FlaskClient, official: dict, table_counts: Callable[[], dict[str, int]], match_world: MatchWorld
) -> None:
    future = client.post(
        "/api/v1/matching-periods", json=terms(opens_at=iso(timedelta(days=1))), headers=official
    ).get_json()
    changed = client.patch(
        f"/api/v1/matching-periods/{future['id']}", json={"fund_cents": 2_000_000}, headers=official
    )
    assert changed.status_code == 200
    assert changed.get_json()["fund_cents"] == 2_000_000
    running = client.post(
        "/api/v1/matching-periods",
        json=terms(closes_at=iso(timedelta(days=60)), area_id=None, name="Now"),
        headers=official,
    )
    assert running.status_code == 409  # overlaps the city-wide period above
    assert running.get_json()["error"]["field"] == "opens_at"
    opened = match_world.period(opened=timedelta(hours=1), closes_in=timedelta(hours=2), area_id=None)
    before = table_counts()
    for field, value in (("fund_cents", 1), ("problem_cap_cents", 7), ("backer_cap_cents", 7)):
        refused = client.patch(f"/api/v1/matching-periods/{opened}", json={field: value}, headers=official)
        assert refused.status_code == 409, refused.get_json()
        assert refused.get_json()["error"]["field"] == field
        assert field in refused.get_json()["error"]["message"]
    assert table_counts() == before
    renamed = client.patch(f"/api/v1/matching-periods/{opened}", json={"name": "Renamed"}, headers=official)
    assert renamed.status_code == 200
    assert audit_actions(match_world) == [
        "matching_period.create",
        "matching_period.update",
        "matching_period.update",
    ]


def test_only_officials_manage_periods(
    client: FlaskClient, auth: AuthActions, match_world: MatchWorld
) -> None:
    period = match_world.period()
    for headers, status in (({}, 401), (auth.headers(), 403), (auth.headers(role="admin"), None)):
        created = client.post(
            "/api/v1/matching-periods",
            json=terms(area_id=None, opens_at=iso(timedelta(days=8))),
            headers=headers,
        )
        patched = client.patch(f"/api/v1/matching-periods/{period}", json={"name": "X"}, headers=headers)
        if status is None:
            assert (created.status_code, patched.status_code) == (201, 200)
        else:
            assert (created.status_code, patched.status_code) == (status, status)
            closing = client.post(
                f"/api/v1/matching-periods/{period}/closing", json={"confirm": True}, headers=headers
            )
            assert closing.status_code == status
    assert audit_actions(match_world) == ["matching_period.create", "matching_period.update"]


def test_closing_by_api_needs_confirmation_and_posts_once(
    client: FlaskClient, official: dict, match_world: MatchWorld
) -> None:
    w = match_world
    period = w.period()
    problem = w.problem()
    for cents in (100, 400, 900):
        w.back(w.resident(), problem, cents, period)
    running = client.get(f"/api/v1/matching-periods/{period}").get_json()
    assert running["open"] is True
    assert running["problems"][0]["match_cents"] == 60**2 - 1_400
    assert running["problems"][0]["sentence"].startswith("3 neighbours backed this; the city adds EUR 22.00")
    missing = client.post("/api/v1/matching-periods/999999/closing", json={}, headers=official)
    assert missing.status_code == 404  # the period is looked up before what was sent is checked
    unconfirmed = client.post(f"/api/v1/matching-periods/{period}/closing", json={}, headers=official)
    assert unconfirmed.status_code == 422
    assert unconfirmed.get_json()["error"]["field"] == "confirm"
    closed = client.post(
        f"/api/v1/matching-periods/{period}/closing", json={"confirm": True}, headers=official
    )
    assert closed.status_code == 200, closed.get_json()
    assert closed.get_json()["postings"] == 1
    assert closed.get_json()["period"]["closed_at"] is not None
    again = client.post(
        f"/api/v1/matching-periods/{period}/closing", json={"confirm": True}, headers=official
    )
    assert again.status_code == 409
    assert again.get_json()["error"]["field"] == "closed_at"
    late = client.patch(f"/api/v1/matching-periods/{period}", json={"name": "Too late"}, headers=official)
    assert late.status_code == 409
    sentence = client.get(f"/api/v1/issues/{problem}/match").get_json()
    assert sentence["kind"] == "matched"
    assert sentence["closed"] is True
    assert sentence["match_cents"] == 2_200
    assert sentence["text"].startswith("3 neighbours backed this; the city added EUR 22.00")
    assert client.get(f"/api/v1/issues/{w.problem()}/match").get_json()["period_id"] is None
    assert client.get("/api/v1/issues/999999/match").status_code == 404


def test_the_pages_show_the_match_and_officials_close_with_a_confirmation(
    client: FlaskClient, auth: AuthActions, match_world: MatchWorld
) -> None:
    w = match_world
    period = w.period()
    # Found from outside: a period nobody had backed yet read "The city's match of the top 0 problems".
    empty = client.get(f"/matching-periods/{period}").get_data(as_text=True)
    assert "match of the top" not in empty
    assert re.search(r'<title id="cf-chart-\d+-t">The city&#39;s match</title>', empty)
    problem = w.problem(title="Broken bench by the fountain")
    for cents in (100, 400, 900):
        w.back(w.resident(), problem, cents, period)
    page = client.get(f"/matching-periods/{period}").get_data(as_text=True)
    assert "Broken bench by the fountain" in page
    assert "3 neighbours backed this; the city adds EUR 22.00 because many people gave a little." in page
    assert "Close this matching period now" not in page
    assert "match of the top 1 problem</title>" in page
    # The chart writes the match as the sentence does.
    assert re.findall(r'<text class="chart__value"[^>]*>([^<]*)</text>', page) == ["EUR 22.00"]
    assert client.get("/matching-periods").status_code == 200
    resident = w.resident()
    auth.login_as(resident)
    assert client.get("/matching-periods/new").status_code == 403
    assert client.post(f"/matching-periods/{period}/close", data={"confirm": "yes"}).status_code == 403
    auth.login_as(w.resident(role="official"))
    assert "Close this matching period now" in client.get(f"/matching-periods/{period}").get_data(
        as_text=True
    )
    unconfirmed = client.post(f"/matching-periods/{period}/close", data={}, follow_redirects=True)
    assert "Nothing changed" in unconfirmed.get_data(as_text=True)
    closed = client.post(f"/matching-periods/{period}/close", data={"confirm": "yes"}, follow_redirects=True)
    text = closed.get_data(as_text=True)
    assert "the match was posted for 1 problem." in text
    assert "the city added EUR 22.00" in text
    form = client.post(
        "/matching-periods/new",
        data={
            "name": "Summer",
            "area_id": "0",
            "closes_at": "2020-01-01T10:00",
            "fund": "100.00",
            "problem_cap": "50.00",
            "backer_cap": "abc",
        },
    )
    assert form.status_code == 422
    assert "The per-resident cap: use digits" in form.get_data(as_text=True)
    # Found from outside: only the first of several refusals was shown; each field says its own.
    several = client.post(
        "/matching-periods/new",
        data={
            "name": "Summer",
            "area_id": "0",
            "closes_at": "soon",
            "fund": "-5",
            "problem_cap": "1",
            "backer_cap": "abc",
        },
    ).get_data(as_text=True)
    for message in (
        "The closing time must be a date and time, like 2027-03-01 18:00.",
        "The fund must be more than zero",
        "The per-resident cap: use digits",
    ):
        assert message in several, message
    too_big = client.post("/matching-periods/new", data=period_form(problem_cap="500.00"))
    assert too_big.status_code == 422
    assert "no problem can be matched with more than the whole fund" in too_big.get_data(as_text=True)
    assert "The most match per problem (500.00) is more than the fund" in too_big.get_data(as_text=True)
    assert "problem_cap_cents" not in too_big.get_data(as_text=True)
    made = client.post(
        "/matching-periods/new",
        data=period_form(opens_at=(utcnow() + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M")),
    )
    assert made.status_code == 302


def test_officials_change_a_period_on_its_page_as_far_as_it_may_change(
    client: FlaskClient, auth: AuthActions, match_world: MatchWorld, city: dict[str, int]
) -> None:
    """Found from outside: only the API changed a period, so a typo in its name or a deadline to move
    took a program. Before it opens everything changes; once open, its name and closing time."""
    auth.login_as(match_world.resident(role="official"))
    opens = (utcnow() + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M")
    made = client.post("/matching-periods/new", data=period_form(name="Sumer", opens_at=opens))
    later = int(made.headers["Location"].rsplit("/", 1)[1])
    page = client.get(f"/matching-periods/{later}/edit").get_data(as_text=True)
    assert 'value="Sumer"' in page
    assert 'value="100.00"' in page
    assert "readonly" not in page
    saved = client.post(
        f"/matching-periods/{later}/edit", data=period_form(name="Summer", opens_at=opens, fund="200.00")
    )
    assert saved.status_code == 302
    read = client.get(f"/api/v1/matching-periods/{later}").get_json()
    assert (read["name"], read["fund_cents"], read["problem_cap_cents"]) == ("Summer", 20_000, 5_000)
    with match_world.app.app_context():
        change = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "matching_period.update")
        ).one()
        assert set(change.details["after"]) == {"name", "fund_cents"}  # what was left as shown is not sent
    auth.login_as(match_world.resident(role="admin"))
    log = client.get("/staff/admin/audit").get_data(as_text=True)
    assert "changed matching period “Summer”: name “Sumer” → “Summer”; fund 100.00 → 200.00" in log
    auth.login_as(match_world.resident(role="official"))

    running = match_world.period()
    shown = client.get(f"/matching-periods/{running}/edit").get_data(as_text=True)
    assert "its name and closing time can still change" in shown
    assert shown.count("readonly") == 4  # the opening, the fund and both caps
    fields = dict(re.findall(r'name="(\w+)"[^>]*value="([^"]*)"', shown))
    fields["area_id"] = "0"
    kept = client.post(f"/matching-periods/{running}/edit", data=fields, follow_redirects=True)
    assert "Nothing changed." in kept.get_data(as_text=True)
    tampered = client.post(f"/matching-periods/{running}/edit", data={**fields, "fund": "1.00"})
    assert tampered.status_code == 409
    assert "cannot change: the period opened at" in tampered.get_data(as_text=True)
    # A window refused once open is said under the closing time, the one that can change.
    match_world.period(opened=timedelta(days=-30), closes_in=timedelta(days=60))  # a later city-wide one
    overlap = client.post(
        f"/matching-periods/{running}/edit",
        data={**fields, "closes_at": (utcnow() + timedelta(days=45)).strftime("%Y-%m-%dT%H:%M")},
    )
    assert overlap.status_code == 409
    assert re.search(
        r'id="closes_at-error">[^<]*periods of one area must not overlap', overlap.get_data(as_text=True)
    )
    moved = client.post(f"/matching-periods/{running}/edit", data={**fields, "name": "Autumn"})
    assert moved.status_code == 302
    assert client.get(f"/api/v1/matching-periods/{running}").get_json()["name"] == "Autumn"
    client.post(f"/matching-periods/{running}/close", data={"confirm": "yes"})
    closed = client.get(f"/matching-periods/{running}/edit", follow_redirects=True)
    assert "This matching period is closed" in closed.get_data(as_text=True)
    # Emptied, the opening is now, as the label says (found from outside: refused in the API's words).
    area = {"area_id": str(city["Old Town"]), "opens_at": opens}
    elsewhere = int(
        client.post("/matching-periods/new", data=period_form(**area)).headers["Location"].rsplit("/", 1)[1]
    )
    emptied = client.post(f"/matching-periods/{elsewhere}/edit", data=period_form(**{**area, "opens_at": ""}))
    assert emptied.status_code == 302, emptied.get_data(as_text=True)
    assert client.get(f"/api/v1/matching-periods/{elsewhere}").get_json()["opens_at"] <= iso(timedelta(0))
