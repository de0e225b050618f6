"""Admins configure statuses (in-use ones cannot be deleted); bulk changes are all or nothing; audit log."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry, Issue, User
from app.services.kernel.errors import NotFound, ValidationError
from app.services.workflow import status_changes as workflow
from tests.conftest import AuthActions
from tests.workflow.issue_state import audit_actions, issue_state


def test_an_admin_adds_renames_retypes_and_reorders_statuses(
    app: Flask, client: FlaskClient, auth: AuthActions, make_user: Callable[..., Any]
) -> None:
    auth.login_as(make_user(role="admin"))

    added = client.post(
        "/staff/admin/statuses",
        data={"code": "waiting-for-parts", "name": "Waiting for parts", "type": "open"},
        follow_redirects=True,
    )
    assert "Status &#39;waiting-for-parts&#39; added." in added.get_data(as_text=True)
    statuses = client.get("/api/v1/statuses").get_json()
    assert statuses[-1] == {
        "code": "waiting-for-parts",
        "name": "Waiting for parts",
        "type": "open",
        "position": 10,
    }
    client.post(
        "/staff/admin/statuses/waiting-for-parts/update",
        data={"s-waiting-for-parts-name": "Parts on order", "s-waiting-for-parts-type": "closed"},
    )
    client.post("/staff/admin/statuses/waiting-for-parts/move", data={"direction": "up"})

    statuses = client.get("/api/v1/statuses").get_json()
    assert [s["code"] for s in statuses][-2:] == ["waiting-for-parts", "closed"]
    assert statuses[-2]["name"] == "Parts on order"
    assert statuses[-2]["type"] == "closed"
    assert [s["position"] for s in statuses] == list(range(len(statuses)))
    assert [a for a, _ in audit_actions(app)] == ["status.add", "status.update", "status.move"]
    assert "Parts on order" in client.get("/staff/admin/statuses").get_data(as_text=True)


@pytest.mark.parametrize(
    ("url", "data", "message"),
    [
        ("/staff/admin/statuses", {"code": "Bad Code!", "name": "X", "type": "open"}, "lowercase letters"),
        ("/staff/admin/statuses", {"code": "fixed", "name": "Again", "type": "fixed"}, "already exists"),
        ("/staff/admin/statuses", {"code": "ok-code", "name": "", "type": "open"}, "Name is required"),
        ("/staff/admin/statuses", {"code": "ok-code", "name": "X", "type": "maybe"}, "Type must be one of"),
        ("/staff/admin/statuses/new/delete", {}, "required by the workflow"),
        ("/staff/admin/statuses/acknowledged/delete", {}, "is in use by 1 issue"),
        ("/staff/admin/statuses/new/move", {"direction": "up"}, "already first"),
        (
            "/staff/admin/statuses/duplicate/update",
            {"s-duplicate-name": "Dup", "s-duplicate-type": "open"},
            "must stay of type closed",
        ),
        # Found from outside: two statuses shown alike, and a type left with no status.
        (
            "/staff/admin/statuses/planned/update",
            {"s-planned-name": "acknowledged", "s-planned-type": "open"},
            "The status 'acknowledged' is already named 'Acknowledged'",
        ),
        ("/staff/admin/statuses", {"code": "ok-code", "name": "FIXED", "type": "open"}, "already named"),
        (
            "/staff/admin/statuses/fixed/update",
            {"s-fixed-name": "Fixed", "s-fixed-type": "open"},
            "'Fixed' is the only status of type fixed",
        ),
        ("/staff/admin/statuses/fixed/delete", {}, "the only status of type fixed"),
        # A retype that moves problems asks first, saying how many.
        (
            "/staff/admin/statuses/acknowledged/update",
            {"s-acknowledged-name": "Acknowledged", "s-acknowledged-type": "closed"},
            "1 problem is 'Acknowledged': making it closed moves it from the open problems",
        ),
    ],
)
def test_bad_status_configuration_is_refused_and_changes_nothing(
    client: FlaskClient,
    auth: AuthActions,
    make_user: Callable[..., Any],
    make_issue: Callable[..., Any],
    table_counts: Callable[[], dict[str, int]],
    url: str,
    data: dict[str, str],
    message: str,
) -> None:
    make_issue(status="acknowledged")
    auth.login_as(make_user(role="admin"))
    before = table_counts()
    statuses = client.get("/api/v1/statuses").get_json()

    response = client.post(url, data=data)

    assert response.status_code in (409, 422)
    assert message in response.get_data(as_text=True).replace("&#39;", "'")
    assert table_counts() == before
    assert client.get("/api/v1/statuses").get_json() == statuses


def test_an_unused_status_can_be_deleted(
    client: FlaskClient, auth: AuthActions, make_user: Callable[..., Any]
) -> None:
    auth.login_as(make_user(role="admin"))
    client.post("/staff/admin/statuses/planned/delete", data={})
    assert "planned" not in [s["code"] for s in client.get("/api/v1/statuses").get_json()]


def test_bulk_change_is_all_or_nothing(
    app: Flask,
    make_issue: Callable[..., Any],
    make_user: Callable[..., Any],
    table_counts: Callable[[], dict[str, int]],
) -> None:
    issues = [make_issue() for _ in range(3)]
    already = make_issue(status="acknowledged")
    official = make_user(role="official")
    ids = [i.id for i in issues]
    before = table_counts()
    with app.app_context():
        actor = db.session.get(User, official.id)
        for bad_ids, error, text in [
            ([], ValidationError, "Tick at least one problem in the list."),
            ([*ids, 999999], NotFound, "#999999"),
            ([*ids, "x"], ValidationError, "not an issue number"),
        ]:
            with pytest.raises(error, match=text):
                workflow.bulk_change_status(db.session, actor, bad_ids, "acknowledged", "On our list.")
            db.session.rollback()
        assert table_counts() == before

        change = workflow.bulk_change_status(
            db.session, actor, [*ids, already.id], "acknowledged", "On our list."
        )
        changed = sorted(e.issue_id for e in change.events)
        db.session.commit()
    assert changed == ids
    assert change.unchanged_ids == [already.id]
    assert all(issue_state(app, i)["status"] == "acknowledged" for i in ids)
    assert audit_actions(app) == [("status.bulk_change", ",".join(map(str, ids)))]


def test_the_audit_log_page_is_paginated_and_admin_only(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_issue: Callable[..., Any],
    make_user: Callable[..., Any],
) -> None:
    issue = make_issue()
    official = make_user(role="official", display_name="Olivia Official")
    headers = auth.headers(official)
    for n in range(55):
        status = "acknowledged" if n % 2 == 0 else "planned"
        assert (
            client.post(
                f"/api/v1/issues/{issue.id}/status",
                json={"status": status, "note": f"step {n}"},
                headers=headers,
            ).status_code
            == 200
        )

    auth.login_as(official)
    assert client.get("/staff/admin/audit").status_code == 403
    auth.login_as(make_user(role="admin"))
    first = client.get("/staff/admin/audit").get_data(as_text=True)
    second = client.get("/staff/admin/audit?page=2").get_data(as_text=True)
    assert "55 entries" in first
    assert "Page 1 of 2" in first
    assert first.count('data-action="status.change"') == 50
    assert second.count('data-action="status.change"') == 5
    # In words, from the stored codes: no raw action code shows as text.
    assert f"moved #{issue.id} from Acknowledged to Planned: step 53" in first
    assert f"moved #{issue.id} from New to Acknowledged: step 0" in second
    assert ">status.change<" not in first
    assert "Olivia Official" in first


def test_the_map_follows_a_retyped_status_at_once_here_and_within_seconds_from_elsewhere(
    app: Flask,
    client: FlaskClient,
    make_user: Callable[..., Any],
    make_issue: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each process keeps the statuses' types for a few seconds (app/services/issues/status_types.py)."""
    from sqlalchemy import text

    from app.services.issues import status_types
    from app.services.issues.status_types import resolve_statuses
    from app.services.workflow import status_config

    issue = make_issue(status="acknowledged")
    admin = make_user(role="admin")

    def open_ids() -> list[int]:
        features = client.get("/api/v1/issues?status=open&per_page=100").get_json()["features"]
        return [feature["id"] for feature in features]

    assert issue.id in open_ids()  # the map has read the statuses, and keeps them

    # An admin of this process retypes the status: the next request sees it.
    with app.app_context():
        status_config.update_status(
            db.session, admin, "acknowledged", "Acknowledged", "closed", confirm_retype=True
        )
        db.session.commit()
    assert issue.id not in open_ids()

    # Another process retypes it back (a write no session of this process saw): the kept copy serves
    # until it is TTL_SECONDS old, then the map reads the table again.
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(text("UPDATE statuses SET type = 'open' WHERE code = 'acknowledged'"))
    assert issue.id not in open_ids()
    later = status_types.time.monotonic() + status_types.TTL_SECONDS + 1
    monkeypatch.setattr(status_types.time, "monotonic", lambda: later)
    assert issue.id in open_ids()

    # The session that adds a status knows it before committing; a rollback leaves it unknown.
    with app.app_context():
        status_config.add_status(db.session, admin, "waiting-for-parts", "Waiting for parts", "open")
        assert resolve_statuses(db.session, ("waiting-for-parts",)) == ["waiting-for-parts"]
        db.session.rollback()
        with pytest.raises(ValidationError) as refused:
            resolve_statuses(db.session, ("waiting-for-parts",))
        assert refused.value.field == "status"


def test_a_retype_that_moves_problems_goes_ahead_once_confirmed(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_user: Callable[..., Any],
    make_issue: Callable[..., Any],
) -> None:
    moved = [make_issue(status="acknowledged").id, make_issue(status="acknowledged").id]
    auth.login_as(make_user(role="admin"))
    sent = {"s-acknowledged-name": "Seen", "s-acknowledged-type": "closed"}

    asked = client.post("/staff/admin/statuses/acknowledged/update", data=sent)

    assert asked.status_code == 422
    page = asked.get_data(as_text=True)
    assert 'name="s-acknowledged-confirm_retype"' in page
    assert 'value="Seen"' in page  # what was typed stays
    assert "2 problems are" in page
    # The question comes before the box that answers it.
    assert page.index("2 problems are") < page.index('name="s-acknowledged-confirm_retype"')
    done = client.post(
        "/staff/admin/statuses/acknowledged/update", data={**sent, "s-acknowledged-confirm_retype": "y"}
    )
    assert done.status_code == 302
    found = {s["code"]: s for s in client.get("/api/v1/statuses").get_json()}
    assert (found["acknowledged"]["name"], found["acknowledged"]["type"]) == ("Seen", "closed")
    # Found from outside: retyped problems kept no closing (or fixing) date, so the dashboard's counts
    # and the time to fix left them out. They get the dates a status change would give them.
    with app.app_context():
        for issue_id in moved:
            issue = db.session.get(Issue, issue_id)
            assert issue.closed_at is not None
            assert issue.fixed_at is None
        [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "status.update")).all()
        assert entry.details["issues"] == moved
    back = {
        "s-acknowledged-name": "Seen",
        "s-acknowledged-type": "fixed",
        "s-acknowledged-confirm_retype": "y",
    }
    assert client.post("/staff/admin/statuses/acknowledged/update", data=back).status_code == 302
    with app.app_context():
        assert all(db.session.get(Issue, i).fixed_at is not None for i in moved)
        assert all(db.session.get(Issue, i).closed_at is None for i in moved)


def test_a_deleted_status_reads_in_words_on_the_timeline(
    client: FlaskClient, auth: AuthActions, make_user: Callable[..., Any], make_issue: Callable[..., Any]
) -> None:
    """Found from outside: after its status was deleted, the timeline read "from waiting-for-parts"."""
    issue = make_issue(status="acknowledged")
    auth.login_as(make_user(role="admin"))
    client.post(
        "/staff/admin/statuses", data={"code": "waiting-for-parts", "name": "Waiting", "type": "open"}
    )
    for status in ("waiting-for-parts", "acknowledged"):
        moved = client.post(f"/staff/issues/{issue.id}/status", data={"status": status, "note": "Step."})
        assert moved.status_code == 302
    assert client.post("/staff/admin/statuses/waiting-for-parts/delete", data={}).status_code == 302

    page = client.get(f"/issues/{issue.id}").get_data(as_text=True)

    timeline = page.split('id="timeline"')[1]
    assert "waiting-for-parts" not in timeline
    assert "<strong>Waiting for parts</strong> to <strong>Acknowledged</strong>" in timeline
    # The feed and the audit log read it so too.
    feed = client.get(f"/feeds/issues/{issue.id}.atom").get_data(as_text=True)
    assert "Waiting for parts → Acknowledged" in feed
    assert "waiting-for-parts" not in feed
    audit = client.get("/staff/admin/audit").get_data(as_text=True)
    assert f"moved #{issue.id} from Waiting for parts to Acknowledged" in audit
