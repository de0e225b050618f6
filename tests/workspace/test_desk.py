"""The desk's acts on one problem: assignment, internal notes, the duplicate picker; teams and targets."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from app.extensions import db
from app.models import Assignment, AuditEntry, CategoryTarget, InternalNote, Issue, Team, TeamMember, User
from app.services.kernel.errors import PermissionDenied, ValidationError
from app.services.workspace import assignment, notes, targets, teams
from tests.conftest import AuthActions
from tests.testcity import HILLSIDE, OLD_TOWN
from tests.workflow.issue_state import audit_actions, issue_state

MakeIssue = Callable[..., Any]
MakeUser = Callable[..., User]


def _team(app: Flask, admin: User, name: str, *members: User) -> int:
    with app.app_context():
        actor = db.session.get(User, admin.id)
        assert actor is not None
        team = teams.create_team(db.session, actor, name)
        for m in members:
            teams.add_member(db.session, actor, team.id, m.email)
        db.session.commit()
        return team.id


def test_an_official_assigns_to_a_colleague_then_a_team_then_nobody_and_each_is_audited(
    app: Flask, client: FlaskClient, auth: AuthActions, make_issue: MakeIssue, make_user: MakeUser
) -> None:
    issue = make_issue()
    olivia = make_user(role="official", display_name="Olivia")
    omar = make_user(role="official", display_name="Omar")
    team_id = _team(app, make_user(role="admin"), "Roads crew", omar)
    auth.login_as(olivia)

    page = client.post(
        f"/staff/issues/{issue.id}/assign", data={"assignee": f"user:{omar.id}"}, follow_redirects=True
    )
    assert "Assignment saved." in page.get_data(as_text=True)
    assert 'data-testid="assigned-to">Omar<' in page.get_data(as_text=True)
    client.post(f"/staff/issues/{issue.id}/assign", data={"assignee": f"team:{team_id}"})
    with app.app_context():
        row = db.session.get(Assignment, issue.id)
        assert row is not None
        assert (row.user_id, row.team_id, row.assigned_by_id) == (
            None,
            team_id,
            olivia.id,
        )
    client.post(f"/staff/issues/{issue.id}/assign", data={"assignee": ""})
    with app.app_context():
        assert db.session.get(Assignment, issue.id) is None
        details = [
            e.details
            for e in db.session.scalars(
                select(AuditEntry).where(AuditEntry.action.like("issue.%")).order_by(AuditEntry.id)
            )
        ]
    assert [a for a, _ in audit_actions(app) if a.startswith("issue.")] == [
        "issue.assign",
        "issue.assign",
        "issue.unassign",
    ]
    assert details[1]["assignee"] == "Team: Roads crew"
    assert details[1]["previous"] == "Omar"
    assert details[2]["previous"] == "Team: Roads crew"


def test_a_blocked_assignee_stays_chosen_and_saving_the_same_again_changes_nothing(
    app: Flask, client: FlaskClient, auth: AuthActions, make_issue: MakeIssue, make_user: MakeUser
) -> None:
    """Found from outside: the form showed "Nobody" for a blocked assignee (saving it unassigned the
    problem without a word), and the same assignee saved again wrote a second audit entry."""
    issue = make_issue()
    omar = make_user(role="official", display_name="Omar")
    auth.login_as(make_user(role="admin"))
    client.post(f"/staff/issues/{issue.id}/assign", data={"assignee": f"user:{omar.id}"})
    client.post(f"/staff/issues/{issue.id}/assign", data={"assignee": f"user:{omar.id}"})
    assert [a for a, _ in audit_actions(app) if a == "issue.assign"] == ["issue.assign"]
    with app.app_context():
        db.session.get(User, omar.id).is_blocked = True
        db.session.commit()

    page = client.get(f"/staff/issues/{issue.id}").get_data(as_text=True)
    assert f'<option selected value="user:{omar.id}">Omar (can no longer be assigned)</option>' in page
    saved = client.post(f"/staff/issues/{issue.id}/assign", data={"assignee": f"user:{omar.id}"})
    assert saved.status_code == 302
    with app.app_context():
        assert db.session.get(Assignment, issue.id).user_id == omar.id


@pytest.mark.parametrize(
    ("choice", "message"),
    [
        ("resident", "officials, admins or teams only"),
        ("blocked", "officials, admins or teams only"),
        ("team:999999", "no such team"),
        ("user:abc", "Assignee must be a whole number"),
        ("someone", "Choose an official or a team"),
    ],
)
def test_bad_assignments_are_refused_on_the_field_and_change_nothing(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_issue: MakeIssue,
    make_user: MakeUser,
    table_counts: Callable[[], dict[str, int]],
    choice: str,
    message: str,
) -> None:
    issue = make_issue()
    people = {"resident": make_user(), "blocked": make_user(role="official", is_blocked=True)}
    value = f"user:{people[choice].id}" if choice in people else choice
    auth.login_as(make_user(role="official"))
    before = table_counts()
    response = client.post(f"/staff/issues/{issue.id}/assign", data={"assignee": value})
    assert response.status_code in (404, 422)
    assert message in response.get_data(as_text=True)
    after = table_counts()
    assert after["issue_assignments"] == before["issue_assignments"] == 0
    assert after["audit_log"] == before["audit_log"]


def test_internal_notes_are_kept_in_order_shown_to_staff_and_audited_without_their_words(
    app: Flask, client: FlaskClient, auth: AuthActions, make_issue: MakeIssue, make_user: MakeUser
) -> None:
    issue = make_issue()
    auth.login_as(make_user(role="official", display_name="Olivia"))
    page = client.post(
        f"/staff/issues/{issue.id}/notes", data={"body": "Crew booked for Tuesday."}, follow_redirects=True
    )
    assert "only staff can read it" in page.get_data(as_text=True)
    client.post(f"/staff/issues/{issue.id}/notes", data={"body": "Tuesday moved to Thursday."})
    html = client.get(f"/issues/{issue.id}").get_data(as_text=True)
    assert html.index("Crew booked for Tuesday.") < html.index("Tuesday moved to Thursday.")
    assert "Internal notes (2)" in html
    with app.app_context():
        entries = list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "note.add")))
    assert len(entries) == 2
    assert all("Tuesday" not in str(e.details) for e in entries)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "Internal note is required"),
        (" \u200b ", "Internal note is required"),
        ("x" * 2001, "at most 2,000"),
    ],
)
def test_bad_notes_are_refused_and_nothing_is_stored(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_issue: MakeIssue,
    make_user: MakeUser,
    count_rows: Callable[..., int],
    body: str,
    message: str,
) -> None:
    issue = make_issue()
    auth.login_as(make_user(role="official"))
    response = client.post(f"/staff/issues/{issue.id}/notes", data={"body": body})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count_rows(InternalNote) == 0


def test_services_refuse_residents(app: Flask, make_issue: MakeIssue, make_user: MakeUser) -> None:
    issue = make_issue()
    resident = make_user()
    with app.app_context():
        actor = db.session.get(User, resident.id)
        assert actor is not None
        with pytest.raises(PermissionDenied):
            notes.add_note(db.session, actor, issue.id, "hello")
        with pytest.raises(PermissionDenied):
            notes.notes_for(db.session, actor, issue.id)
        with pytest.raises(PermissionDenied):
            assignment.assign(db.session, actor, issue.id, "")
        with pytest.raises(PermissionDenied):
            teams.create_team(db.session, actor, "Roads")


def test_the_duplicate_picker_lists_nearby_open_reports_and_accepts_a_choice_or_hash_number(
    app: Flask, client: FlaskClient, auth: AuthActions, make_issue: MakeIssue, make_user: MakeUser
) -> None:
    dup = make_issue(place=OLD_TOWN, title="Hole again")
    near = make_issue(place=OLD_TOWN, title="Big hole", category="streetlight")
    closed = make_issue(place=OLD_TOWN, title="Closed one", status="closed")
    far = make_issue(place=HILLSIDE, title="Far away")
    hidden = make_issue(place=OLD_TOWN, title="Hidden by a moderator")
    with app.app_context():
        db.session.execute(update(Issue).where(Issue.id == hidden.id).values(is_hidden=True))
        db.session.commit()
    auth.login_as(make_user(role="official"))

    html = client.get(f"/issues/{dup.id}").get_data(as_text=True)
    assert f'value="{near.id}" id="dup-{near.id}"' in html
    assert f"dup-{closed.id}" not in html
    assert f"dup-{hidden.id}" not in html  # no original: its likes and followers would go out of sight
    assert f"dup-{far.id}" not in html
    assert f"dup-{dup.id}" not in html
    # A staff panel before the description: the actions are at the top of the page.
    assert html.index('id="staff-panel"') < html.index('class="issue__description"')

    client.post(f"/staff/issues/{dup.id}/duplicate", data={"original_choice": str(near.id), "confirm": "yes"})
    assert issue_state(app, dup.id)["duplicate_of"] == near.id

    second = make_issue(place=OLD_TOWN, title="Hole a third time")
    client.post(
        f"/staff/issues/{second.id}/duplicate", data={"original_id": f" #{far.id} ", "confirm": "yes"}
    )
    assert issue_state(app, second.id)["duplicate_of"] == far.id


def test_a_typed_number_that_is_not_one_is_refused_on_its_field(
    app: Flask, client: FlaskClient, auth: AuthActions, make_issue: MakeIssue, make_user: MakeUser
) -> None:
    dup = make_issue()
    auth.login_as(make_user(role="official"))
    response = client.post(f"/staff/issues/{dup.id}/duplicate", data={"original_id": "#twelve"})
    assert response.status_code == 422
    assert "like 42 or #42" in response.get_data(as_text=True)
    assert issue_state(app, dup.id)["duplicate_of"] is None


def test_admins_keep_teams_and_members(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_user: MakeUser,
    make_issue: MakeIssue,
    count_rows: Callable[..., int],
) -> None:
    omar = make_user(role="official", display_name="Omar", email="omar@city.example")
    resident = make_user(email="rita@example.org")
    auth.login_as(make_user(role="admin"))
    client.post("/staff/admin/teams", data={"name": "Parks"})
    with app.app_context():
        team_id = db.session.scalar(select(Team.id))
    client.post(f"/staff/admin/teams/{team_id}/members", data={f"m{team_id}-email": "OMAR@city.example"})
    page = client.get("/staff/admin/desk").get_data(as_text=True)
    assert "Parks" in page
    assert "omar@city.example" in page

    refused = client.post(f"/staff/admin/teams/{team_id}/members", data={f"m{team_id}-email": resident.email})
    assert refused.status_code == 422
    assert "only officials and admins join teams" in refused.get_data(as_text=True)
    again = client.post("/staff/admin/teams", data={"name": "parks"})
    assert again.status_code == 409
    assert "already a team called" in again.get_data(as_text=True)

    client.post(f"/staff/admin/teams/{team_id}/members/{omar.id}/delete")
    assert count_rows(TeamMember) == 0
    issue = make_issue()
    client.post(f"/staff/issues/{issue.id}/assign", data={"assignee": f"team:{team_id}"})
    # Found from outside: one click deleted a team and silently unassigned its problems.
    step = (
        client.get("/staff/admin/desk")
        .get_data(as_text=True)
        .split(f'data-testid="delete-team-{team_id}"')[1]
    )
    assert "1 problem assigned to Parks will be assigned to nobody. This cannot be undone." in step
    assert "Yes, delete Parks" in step
    client.post(f"/staff/admin/teams/{team_id}/delete")
    assert count_rows(Team) == 0
    log = client.get("/staff/admin/audit").get_data(as_text=True)
    assert f"deleted the team Parks, unassigning 1 problem (#{issue.id})" in log
    assert [a for a, _ in audit_actions(app)] == [
        "team.create",
        "team.add_member",
        "team.remove_member",
        "issue.assign",
        "team.delete",
    ]


def test_admins_set_and_clear_a_categorys_target(
    app: Flask, client: FlaskClient, auth: AuthActions, make_user: MakeUser
) -> None:
    auth.login_as(make_user(role="admin"))
    client.post("/staff/admin/targets/pothole", data={"t-pothole-days": "3"})
    with app.app_context():
        assert db.session.get(CategoryTarget, "pothole").target_days == 3  # type: ignore[union-attr]
        by_code = {t.code: t for t in targets.targets(db.session, 7)}
    assert (by_code["pothole"].days, by_code["pothole"].own) == (3, True)
    assert all(t.days == 7 and not t.own for code, t in by_code.items() if code != "pothole")

    for bad, message in (("0", "between 1 and 365"), ("many", "whole number")):
        response = client.post("/staff/admin/targets/pothole", data={"t-pothole-days": bad})
        assert response.status_code == 422
        assert message in response.get_data(as_text=True)
    # Found from outside: a category or team another admin deleted meanwhile gave a 404 and no word.
    gone = client.post("/staff/admin/targets/nope", data={"t-nope-days": "3"})
    assert gone.status_code == 404
    assert "There is no category" in gone.get_data(as_text=True)
    no_team = client.post("/staff/admin/teams/999999/members", data={"m999999-email": "a@city.example"})
    assert no_team.status_code == 404
    assert "There is no such team." in no_team.get_data(as_text=True)

    client.post("/staff/admin/targets/pothole", data={"t-pothole-days": ""})
    with app.app_context():
        assert db.session.get(CategoryTarget, "pothole") is None
    assert [a for a, _ in audit_actions(app)] == ["target.set", "target.set"]


def test_a_team_name_must_be_given(app: Flask, make_user: MakeUser) -> None:
    admin = make_user(role="admin")
    with app.app_context():
        actor = db.session.get(User, admin.id)
        assert actor is not None
        with pytest.raises(ValidationError) as error:
            teams.create_team(db.session, actor, "   ")
    assert error.value.field == "name"


@pytest.mark.config(WTF_CSRF_ENABLED=True)
@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/staff/issues/{id}/notes", {"body": "Crew booked."}),
        ("/staff/issues/{id}/assign", {"assignee": ""}),
        ("/staff/admin/teams", {"name": "Roads"}),
        ("/staff/admin/targets/pothole", {"t-pothole-days": "3"}),
    ],
)
def test_the_desk_forms_need_their_csrf_token(
    client: FlaskClient,
    auth: AuthActions,
    make_issue: MakeIssue,
    make_user: MakeUser,
    table_counts: Callable[[], dict[str, int]],
    path: str,
    data: dict[str, str],
) -> None:
    issue = make_issue()
    auth.login_as(make_user(role="admin"))
    before = table_counts()
    response = client.post(path.format(id=issue.id), data=data)
    assert response.status_code in (400, 422)
    assert "expired" in response.get_data(as_text=True)
    assert table_counts() == before
