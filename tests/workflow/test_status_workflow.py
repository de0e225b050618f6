"""Status changes by officials: status, timestamps, timeline and audit log; bad input changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import AuthActions
from tests.workflow.issue_state import audit_actions, events_of, issue_state


@pytest.fixture
def official(make_user: Callable[..., Any]) -> Any:
    return make_user(role="official", display_name="Olivia Official")


def test_an_official_changes_the_status_and_residents_see_it_on_the_timeline(
    app: Flask, client: FlaskClient, auth: AuthActions, make_issue: Callable[..., Any], official: Any
) -> None:
    issue = make_issue(title="Pothole on Main Street")

    response = client.post(
        f"/api/v1/issues/{issue.id}/status",
        json={"status": "acknowledged", "note": "A crew will look at it this week."},
        headers=auth.headers(official),
    )

    assert response.status_code == 200, response.get_json()
    feature = response.get_json()
    assert feature["properties"]["status"] == "acknowledged"
    assert feature["properties"]["status_type"] == "open"
    assert feature["properties"]["acknowledged_at"] is not None
    state = issue_state(app, issue.id)
    assert state["status"] == "acknowledged"
    assert state["acknowledged_at"] is not None
    assert state["last_activity_at"] >= state["acknowledged_at"]
    assert events_of(app, issue.id) == [
        ("status", "new", "acknowledged", "A crew will look at it this week.")
    ]
    assert audit_actions(app) == [("status.change", str(issue.id))]

    page = client.get(f"/issues/{issue.id}").get_data(as_text=True)
    assert "Status changed from <strong>New</strong> to <strong>Acknowledged</strong>" in page
    assert "A crew will look at it this week." in page
    assert "Olivia Official" in page
    assert "City staff" in page

    history = client.get(f"/api/v1/issues/{issue.id}/history").get_json()
    assert [
        (e["kind"], e["from_status_name"], e["to_status_name"], e["note"], e["by_staff"])
        for e in history["events"]
    ] == [("status", "New", "Acknowledged", "A crew will look at it this week.", True)]


def test_fixed_and_closed_timestamps_follow_the_status_type(
    app: Flask, client: FlaskClient, auth: AuthActions, make_issue: Callable[..., Any], official: Any
) -> None:
    issue = make_issue()
    headers = auth.headers(official)

    def move(status: str) -> dict[str, Any]:
        response = client.post(
            f"/api/v1/issues/{issue.id}/status", json={"status": status, "note": "n"}, headers=headers
        )
        assert response.status_code == 200, response.get_json()
        return issue_state(app, issue.id)

    fixed = move("fixed")
    assert fixed["fixed_at"] is not None
    assert fixed["closed_at"] is None
    assert fixed["acknowledged_at"] is not None
    closed = move("closed")
    assert closed["closed_at"] is not None
    assert closed["fixed_at"] is None
    reopened = move("in-progress")
    assert reopened["closed_at"] is None
    assert reopened["fixed_at"] is None
    assert reopened["acknowledged_at"] == fixed["acknowledged_at"]  # the first response stays


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"status": "no-such-status", "note": "n"}, "status", "is unknown"),
        ({"status": "new", "note": "n"}, "status", "already 'New'"),
        ({"status": "", "note": "n"}, "status", "Choose the new status"),
        ({"status": "fixed", "note": "   "}, "note", "Note is required"),
        ({"status": "fixed", "note": "x" * 2001}, "note", "at most 2,000 characters"),
        ({"status": "duplicate", "note": "n"}, "status", "mark it as a duplicate"),
    ],
)
def test_bad_status_changes_are_refused_and_change_nothing(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_issue: Callable[..., Any],
    official: Any,
    table_counts: Callable[[], dict[str, int]],
    body: dict[str, str],
    field: str,
    message: str,
) -> None:
    issue = make_issue()
    headers = auth.headers(official)
    before, state = table_counts(), issue_state(app, issue.id)

    response = client.post(f"/api/v1/issues/{issue.id}/status", json=body, headers=headers)

    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["field"] == field
    assert message in error["message"]
    assert table_counts() == before
    assert issue_state(app, issue.id) == state


def test_a_note_of_exactly_2000_characters_is_accepted(
    app: Flask, client: FlaskClient, auth: AuthActions, make_issue: Callable[..., Any], official: Any
) -> None:
    issue = make_issue()
    response = client.post(
        f"/api/v1/issues/{issue.id}/status",
        json={"status": "planned", "note": "y" * 2000},
        headers=auth.headers(official),
    )
    assert response.status_code == 200
    assert events_of(app, issue.id)[0][3] == "y" * 2000


def test_a_missing_issue_is_404_and_residents_are_refused(
    client: FlaskClient,
    auth: AuthActions,
    make_issue: Callable[..., Any],
    table_counts: Callable[[], dict[str, int]],
) -> None:
    issue = make_issue()
    before = table_counts()
    official_headers = auth.headers(role="official")
    missing = client.post(
        "/api/v1/issues/999999/status", json={"status": "fixed", "note": "n"}, headers=official_headers
    )
    resident = client.post(
        f"/api/v1/issues/{issue.id}/status",
        json={"status": "fixed", "note": "n"},
        headers=auth.headers(role="resident"),
    )
    anonymous = client.post(f"/api/v1/issues/{issue.id}/status", json={"status": "fixed", "note": "n"})

    assert missing.status_code == 404
    assert missing.get_json()["error"]["field"] == "issue_id"
    assert resident.status_code == 403
    assert resident.get_json()["error"]["code"] == "forbidden"
    assert anonymous.status_code == 401
    assert table_counts()["issue_events"] == before["issue_events"]


def test_the_web_panel_changes_status_and_shows_errors_on_the_field(
    app: Flask, client: FlaskClient, auth: AuthActions, make_issue: Callable[..., Any], official: Any
) -> None:
    issue = make_issue()
    auth.login_as(official)

    page = client.get(f"/issues/{issue.id}").get_data(as_text=True)
    assert "Staff actions" in page

    bad = client.post(f"/staff/issues/{issue.id}/status", data={"status": "fixed", "note": ""})
    assert bad.status_code == 422
    assert "Note is required" in bad.get_data(as_text=True)
    assert issue_state(app, issue.id)["status"] == "new"

    good = client.post(
        f"/staff/issues/{issue.id}/status",
        data={"status": "fixed", "note": "Filled today."},
        follow_redirects=True,
    )
    assert good.status_code == 200
    text = good.get_data(as_text=True)
    assert f"Status of #{issue.id} changed to “Fixed”; the note is on the timeline." in text
    assert "Filled today." in text
    assert issue_state(app, issue.id)["status"] == "fixed"


def test_the_public_issue_page_has_no_staff_panel(
    client: FlaskClient, auth: AuthActions, make_issue: Callable[..., Any], make_user: Callable[..., Any]
) -> None:
    issue = make_issue()
    assert "Staff actions" not in client.get(f"/issues/{issue.id}").get_data(as_text=True)
    auth.login_as(make_user())
    assert "Staff actions" not in client.get(f"/issues/{issue.id}").get_data(as_text=True)
