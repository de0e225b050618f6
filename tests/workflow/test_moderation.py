"""Moderation: hidden things vanish for the public but stay for staff; edits keep the original for admins."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.extensions import db
from app.models import Issue, IssueEvent, Photo
from tests.conftest import AuthActions
from tests.images import jpeg_with_gps
from tests.workflow.issue_state import audit_actions, issue_state


def test_a_hidden_issue_disappears_for_the_public_but_not_for_staff(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_issue: Callable[..., Any],
    make_user: Callable[..., Any],
) -> None:
    visible = make_issue(title="Visible problem")
    hidden = make_issue(title="Offensive title here")
    official = make_user(role="official")
    auth.login_as(official)

    response = client.post(
        f"/staff/issues/{hidden.id}/hide", data={"reason": "abusive"}, follow_redirects=True
    )
    assert response.status_code == 200
    assert "The issue is hidden from the public." in response.get_data(as_text=True)
    assert issue_state(app, hidden.id)["hidden"] is True
    staff_page = client.get(f"/issues/{hidden.id}").get_data(as_text=True)
    assert "Offensive title here" in staff_page
    assert "Hidden</span>" in staff_page
    auth.logout()

    listed = client.get("/api/v1/issues").get_json()
    assert [f["properties"]["title"] for f in listed["features"]] == ["Visible problem"]
    assert listed["total"] == 1
    assert client.get(f"/issues/{hidden.id}").status_code == 404
    assert client.get(f"/api/v1/issues/{hidden.id}").status_code == 404
    assert client.get(f"/api/v1/issues/{hidden.id}/history").status_code == 404
    assert "Offensive title here" not in client.get("/priorities").get_data(as_text=True)
    assert client.get(f"/issues/{visible.id}").status_code == 200
    assert audit_actions(app) == [("moderation.hide", str(hidden.id))]


def test_hidden_updates_and_photos_are_gone_for_the_public_and_badged_for_staff(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_issue: Callable[..., Any],
    make_user: Callable[..., Any],
) -> None:
    issue = make_issue()
    resident_headers = auth.headers(role="resident")
    client.post(
        f"/api/v1/issues/{issue.id}/updates", json={"text": "Rude words here."}, headers=resident_headers
    )
    client.post(
        f"/api/v1/issues/{issue.id}/updates",
        data={"text": "A photo.", "photo": (io.BytesIO(jpeg_with_gps()), "p.jpg")},
        content_type="multipart/form-data",
        headers=resident_headers,
    )
    with app.app_context():
        rude = db.session.scalar(select(IssueEvent.id).where(IssueEvent.note == "Rude words here."))
        photo = db.session.scalar(select(Photo.id).where(Photo.issue_id == issue.id))
    official_headers = auth.headers(role="official")
    auth.login_as(make_user(role="official"))
    assert client.post(f"/staff/updates/{rude}/hide", data={}).status_code == 302
    assert client.post(f"/staff/photos/{photo}/hide", data={}).status_code == 302

    staff_page = client.get(f"/issues/{issue.id}").get_data(as_text=True)
    assert "Rude words here." in staff_page
    assert "Show update" in staff_page
    assert "Show photo" in staff_page
    staff_history = client.get(f"/api/v1/issues/{issue.id}/history", headers=official_headers).get_json()
    assert {e["note"]: e["hidden"] for e in staff_history["events"] if e["kind"] == "update"} == {
        "Rude words here.": True,
        "A photo.": False,
    }
    auth.logout()

    public_page = client.get(f"/issues/{issue.id}").get_data(as_text=True)
    assert "Rude words here." not in public_page
    assert "A photo." in public_page
    history = client.get(f"/api/v1/issues/{issue.id}/history").get_json()["events"]
    assert [(e["note"], e["photos"]) for e in history] == [("A photo.", [])]
    assert all("hidden" not in e for e in history)


def test_an_edit_keeps_the_original_in_the_moderation_log_that_only_admins_read(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_issue: Callable[..., Any],
    make_user: Callable[..., Any],
) -> None:
    issue = make_issue(title="Call 555-0100 about the pothole", description="My phone is 555-0100.")
    auth.login_as(make_user(role="official", display_name="Olivia Official"))

    response = client.post(
        f"/staff/issues/{issue.id}/edit",
        data={"title": "Pothole", "description": "My phone is [removed].", "reason": "personal data"},
        follow_redirects=True,
    )
    assert "the original is kept in the moderation log" in response.get_data(as_text=True)
    state = issue_state(app, issue.id)
    assert (state["title"], state["description"]) == ("Pothole", "My phone is [removed].")
    assert client.get("/staff/admin/moderation").status_code == 403

    auth.login_as(make_user(role="admin"))
    log = client.get("/staff/admin/moderation").get_data(as_text=True)
    assert "Call 555-0100 about the pothole" in log
    assert "My phone is 555-0100." in log
    assert "personal data" in log
    assert "Olivia Official" in log
    assert [a for a, _ in audit_actions(app)] == ["moderation.edit", "moderation.edit"]
    assert "555-0100" not in client.get(f"/api/v1/issues/{issue.id}").get_data(as_text=True)


def test_bad_edits_are_refused_and_change_nothing(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_issue: Callable[..., Any],
    make_user: Callable[..., Any],
    table_counts: Callable[[], dict[str, int]],
) -> None:
    issue = make_issue(title="Same")
    auth.login_as(make_user(role="official"))
    before, state = table_counts(), issue_state(app, issue.id)

    empty = client.post(f"/staff/issues/{issue.id}/edit", data={"title": "", "description": "x"})
    long = client.post(f"/staff/issues/{issue.id}/edit", data={"title": "t" * 121, "description": "x"})
    same = client.post(
        f"/staff/issues/{issue.id}/edit", data={"title": "Same", "description": state["description"]}
    )

    assert empty.status_code == long.status_code == same.status_code == 422
    assert "Title is required." in empty.get_data(as_text=True)
    assert "at most 120 characters" in long.get_data(as_text=True)
    assert "Nothing to change" in same.get_data(as_text=True)
    assert table_counts() == before
    assert issue_state(app, issue.id) == state


def test_an_official_moves_a_report_to_the_category_it_belongs_in(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_issue: Callable[..., Any],
    make_user: Callable[..., Any],
) -> None:
    """Found from outside: a report filed under the wrong category stayed there (its team, target time
    and the map's filters followed the wrong one)."""
    issue = make_issue(category="sidewalk", title="Crater in the road")
    auth.login_as(make_user(role="official"))
    panel = client.get(f"/staff/issues/{issue.id}").get_data(as_text=True)
    assert "Change category" in panel

    same = client.post(f"/staff/issues/{issue.id}/category", data={"category": "sidewalk"})
    unknown = client.post(f"/staff/issues/{issue.id}/category", data={"category": "volcano"})
    moved = client.post(
        f"/staff/issues/{issue.id}/category",
        data={"category": "pothole", "reason": "it is in the road"},
        follow_redirects=True,
    )

    assert same.status_code == 422
    assert "already in &#39;Damaged sidewalk&#39;" in same.get_data(as_text=True)
    assert unknown.status_code == 422
    assert "Category changed; the one it had is kept in the moderation log." in moved.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Issue, issue.id).category_code == "pothole"  # type: ignore[union-attr]
    feature = client.get(f"/api/v1/issues/{issue.id}").get_json()["properties"]
    assert (feature["category"], feature["category_name"]) == ("pothole", "Pothole or road damage")
    only_potholes = client.get("/api/v1/issues?category=pothole").get_json()["features"]
    assert [f["id"] for f in only_potholes] == [issue.id]
    assert [a for a, _ in audit_actions(app)] == ["moderation.edit"]
    auth.login_as(make_user(role="admin"))
    log = client.get("/staff/admin/moderation").get_data(as_text=True)
    assert "Damaged sidewalk" in log  # the category's name, not its code (found from outside)
    assert "Pothole or road damage" in log
