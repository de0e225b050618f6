"""Flag this: residents flag reports, updates and photos; moderators hide or dismiss; flaggers are told."""

from __future__ import annotations

import html
from collections.abc import Callable
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry, Flag
from tests.conftest import AuthActions
from tests.workflow.issue_state import issue_state


def mails_to(app: Flask, address: str) -> list[str]:
    """Subjects of the .eml files the outbox holds for `address`."""
    folder = Path(app.config["MAIL_OUTBOX_DIR"])
    found = []
    for path in sorted(folder.glob("*.eml")) if folder.exists() else []:
        message = message_from_bytes(path.read_bytes())
        if message["To"] == address:
            found.append(str(message["Subject"]))
    return found


def flags_of(app: Flask) -> list[tuple[int, str, int, str, str]]:
    with app.app_context():
        return [
            (f.user_id, f.target_type, f.target_id, f.reason, f.status)
            for f in db.session.scalars(select(Flag).order_by(Flag.id))
        ]


def post_update(client: FlaskClient, auth: AuthActions, issue_id: int, user: Any) -> int:
    response = client.post(
        f"/api/v1/issues/{issue_id}/updates", json={"text": "Rude words here."}, headers=auth.headers(user)
    )
    assert response.status_code == 201, response.get_json()
    return int(response.get_json()["id"])


def test_repeated_flags_by_one_resident_count_once_and_the_queue_counts_residents(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_issue: Callable[..., Any],
    make_user: Callable[..., Any],
) -> None:
    issue = make_issue(title="Insulting title")
    first, second = make_user(), make_user()
    headers = auth.headers(first)
    url = f"/api/v1/issues/{issue.id}/flags"

    created = client.post(url, json={"reason": "abusive", "note": "Insults a neighbour."}, headers=headers)
    again = client.post(url, json={"reason": "spam"}, headers=headers)
    other = client.post(url, json={"reason": "abusive"}, headers=auth.headers(second))

    assert (created.status_code, created.get_json()) == (201, {"created": True, "open_flags": 1})
    assert (again.status_code, again.get_json()) == (200, {"created": False, "open_flags": 1})
    assert (other.status_code, other.get_json()) == (201, {"created": True, "open_flags": 2})
    assert flags_of(app) == [
        (first.id, "issue", issue.id, "abusive", "open"),
        (second.id, "issue", issue.id, "abusive", "open"),
    ]
    official = make_user(role="official")
    queue = client.get("/api/v1/flags", headers=auth.headers(official)).get_json()["items"]
    assert [(i["target_type"], i["target_id"], i["count"], i["reasons"]) for i in queue] == [
        ("issue", issue.id, 2, {"abusive": 2})
    ]
    assert queue[0]["notes"] == ["Insults a neighbour."]


def test_hidden_items_and_another_problems_update_cannot_be_flagged(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_issue: Callable[..., Any],
    make_user: Callable[..., Any],
) -> None:
    issue, other = make_issue(), make_issue()
    resident = make_user()
    update_id = post_update(client, auth, other.id, resident)
    headers = auth.headers(make_user())
    foreign = client.post(
        f"/api/v1/issues/{issue.id}/flags",
        json={"reason": "spam", "target_type": "update", "target_id": update_id},
        headers=headers,
    )
    assert (foreign.status_code, foreign.get_json()["error"]["field"]) == (404, "target_id")

    official = make_user(role="official")
    auth.login_as(official)
    assert client.post(f"/staff/issues/{issue.id}/hide", data={"reason": "abusive"}).status_code == 302
    auth.logout()
    hidden = client.post(f"/api/v1/issues/{issue.id}/flags", json={"reason": "spam"}, headers=headers)
    assert (hidden.status_code, hidden.get_json()["error"]["field"]) == (404, "issue_id")
    assert flags_of(app) == []


ROLE_CASES = [("resident", 403), ("official", 200), ("admin", 200)]


@pytest.mark.parametrize(("role", "expected"), ROLE_CASES)
def test_only_moderators_read_and_resolve_flags(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_issue: Callable[..., Any],
    make_user: Callable[..., Any],
    role: str,
    expected: int,
) -> None:
    issue = make_issue()
    client.post(f"/api/v1/issues/{issue.id}/flags", json={"reason": "spam"}, headers=auth.headers())
    headers = auth.headers(make_user(role=role))
    assert client.get("/api/v1/flags", headers=headers).status_code == expected
    resolved = client.post(
        f"/api/v1/flags/issue/{issue.id}/resolution", json={"action": "dismiss"}, headers=headers
    )
    assert resolved.status_code == expected
    assert [f[-1] for f in flags_of(app)] == ["open" if expected == 403 else "dismissed"]
    auth.login_as(make_user(role=role))
    assert client.get("/staff/flags").status_code == expected


def test_anonymous_visitors_cannot_flag_or_read_the_queue(
    app: Flask, client: FlaskClient, make_issue: Callable[..., Any]
) -> None:
    issue = make_issue()
    assert client.post(f"/api/v1/issues/{issue.id}/flags", json={"reason": "spam"}).status_code == 401
    assert client.get("/api/v1/flags").status_code == 401
    assert client.get(f"/issues/{issue.id}/flag").status_code == 302  # to the login page
    assert flags_of(app) == []


def test_hiding_a_flagged_update_hides_it_audits_and_tells_every_flagger(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_issue: Callable[..., Any],
    make_user: Callable[..., Any],
) -> None:
    issue = make_issue()
    update_id = post_update(client, auth, issue.id, make_user())
    flaggers = [make_user(), make_user()]
    for flagger in flaggers:
        response = client.post(
            f"/api/v1/issues/{issue.id}/flags",
            json={"reason": "abusive", "target_type": "update", "target_id": update_id},
            headers=auth.headers(flagger),
        )
        assert response.status_code == 201
    official = make_user(role="official")
    headers = auth.headers(official)
    url = f"/api/v1/flags/update/{update_id}/resolution"

    no_reason = client.post(url, json={"action": "hide"}, headers=headers)
    assert (no_reason.status_code, no_reason.get_json()["error"]["field"]) == (422, "reason")
    # Found from outside: it said "Note is required: say what changed, residents read it."
    assert (
        no_reason.get_json()["error"]["message"] == "A reason to hide is required: every flagger is told it."
    )
    bad_action = client.post(url, json={"action": "delete", "reason": "x"}, headers=headers)
    assert (bad_action.status_code, bad_action.get_json()["error"]["field"]) == (422, "action")
    assert [f[-1] for f in flags_of(app)] == ["open", "open"]

    done = client.post(url, json={"action": "hide", "reason": "Insults a neighbour"}, headers=headers)
    assert done.get_json() == {"resolved": 2}
    assert [f[-1] for f in flags_of(app)] == ["hidden", "hidden"]
    history = client.get(f"/api/v1/issues/{issue.id}/history").get_json()
    assert update_id not in [e["id"] for e in history["events"]]
    for flagger in flaggers:
        assert mails_to(app, flagger.email) == ["Thank you: the update you flagged is hidden"]
    with app.app_context():
        actions = list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions == ["flags.hide"]  # one act, one entry (found from outside: it was audited twice)
    again = client.post(url, json={"action": "dismiss"}, headers=headers)
    assert (again.status_code, again.get_json()["error"]["field"]) == (404, "target_id")


def test_dismissing_keeps_the_report_and_tells_the_flagger(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_issue: Callable[..., Any],
    make_user: Callable[..., Any],
) -> None:
    issue = make_issue(title="Fine report")
    flagger = make_user()
    auth.login_as(flagger)
    page = client.get(f"/issues/{issue.id}").get_data(as_text=True)
    assert f'href="/issues/{issue.id}/flag"' in page
    form = client.get(f"/issues/{issue.id}/flag")
    assert form.status_code == 200
    assert "Spam or advertising" in form.get_data(as_text=True)
    missing = client.post(f"/issues/{issue.id}/flag", data={"note": "?"})
    assert missing.status_code == 422
    assert "Choose a reason." in missing.get_data(as_text=True)
    unknown = client.post(f"/issues/{issue.id}/flag", data={"reason": "boring"})
    assert unknown.status_code == 422
    assert "reason must be one of" in unknown.get_data(as_text=True)
    sent = client.post(f"/issues/{issue.id}/flag", data={"reason": "misleading", "note": "Not there."})
    assert sent.status_code == 302
    assert sent.headers["Location"].endswith(f"/issues/{issue.id}")
    assert flags_of(app) == [(flagger.id, "issue", issue.id, "misleading", "open")]

    auth.login_as(make_user(role="official"))
    queue = client.get("/staff/flags").get_data(as_text=True)
    assert "1 flag on" in queue
    assert "Fine report" in queue
    assert "Not there." in queue
    resolved = client.post(f"/staff/flags/issue/{issue.id}/dismiss", follow_redirects=True)
    assert "Nothing is flagged." in resolved.get_data(as_text=True)
    assert "The report is left visible; 1 flagger will get an email." in resolved.get_data(as_text=True)
    assert issue_state(app, issue.id)["hidden"] is False
    assert mails_to(app, flagger.email) == ["The problem report you flagged stays visible"]
    # A second moderator's send (another tab, the same queue) is told on the queue, not on a 404 page.
    again = client.post(
        f"/staff/flags/issue/{issue.id}/hide", data={"reason": "Advertising"}, follow_redirects=True
    )
    assert again.status_code == 200
    assert (
        f"Not done: There are no open flags on issue {issue.id}: they were handled already"
        in again.get_data(as_text=True)
    )
    assert issue_state(app, issue.id)["hidden"] is False


@pytest.mark.config(RATELIMIT_ENABLED=True, RATE_LIMIT_FLAG="2 per hour")
def test_flags_are_rate_limited(
    app: Flask, client: FlaskClient, auth: AuthActions, make_issue: Callable[..., Any]
) -> None:
    issues = [make_issue() for _ in range(3)]
    headers = auth.headers()
    statuses = [
        client.post(f"/api/v1/issues/{i.id}/flags", json={"reason": "spam"}, headers=headers).status_code
        for i in issues
    ]
    assert statuses == [201, 201, 429]
    assert len(flags_of(app)) == 2


def test_the_flag_form_finds_only_visible_items_of_its_problem(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_issue: Callable[..., Any],
    make_user: Callable[..., Any],
) -> None:
    issue, other = make_issue(), make_issue()
    writer = make_user()
    update_id = post_update(client, auth, issue.id, writer)
    auth.login_as(make_user())
    form_page = client.get(f"/issues/{issue.id}/flag?target_type=update&target_id={update_id}")
    assert form_page.status_code == 200
    # Cancel and the title lead back to the update without thanking for a flag never sent.
    assert "flagged=" not in form_page.get_data(as_text=True)
    for query in (
        f"target_type=update&target_id={update_id}",  # another problem's update
        "target_type=update",
        "target_type=comment&target_id=1",
        "target_type=photo&target_id=abc",
        "target_type=photo&target_id=99999",
    ):
        assert client.get(f"/issues/{other.id}/flag?{query}").status_code == 404, query
    sent = client.post(
        f"/issues/{issue.id}/flag?target_type=update&target_id={update_id}", data={"reason": "personal"}
    )
    assert sent.status_code == 302
    assert sent.headers["Location"].endswith(f"/issues/{issue.id}?flagged={update_id}#event-{update_id}")
    # Found from outside: the thanks sat far above the update the page opens at; the update says it.
    back = client.get(sent.headers["Location"]).get_data(as_text=True)
    flagged = back.split(f'id="event-{update_id}"')[1].split("</li>")[0]
    assert "Thank you: the moderators will look at this update." in flagged
    assert back.count("Thank you: the moderators will look at") == 1  # not also at the top of the page
    assert [f[1:4] for f in flags_of(app)] == [("update", update_id, "personal")]
    assert client.get("/issues/999999/flag").status_code == 404


def test_flagging_again_after_a_dismissal_reaches_the_queue_again(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_issue: Callable[..., Any],
    make_user: Callable[..., Any],
) -> None:
    """Found from outside: a second flag after a moderator left the item visible was told "You had
    flagged this already; the moderators will look at it", and no queue listed it."""
    issue = make_issue(title="Fine report")
    flagger, moderator = make_user(), make_user(role="official")
    auth.login_as(flagger)
    assert client.post(f"/issues/{issue.id}/flag", data={"reason": "misleading"}).status_code == 302
    auth.login_as(moderator)
    client.post(f"/staff/flags/issue/{issue.id}/dismiss")
    auth.login_as(flagger)

    again = client.post(
        f"/issues/{issue.id}/flag",
        data={"reason": "spam", "note": "Now it links to a shop."},
        follow_redirects=True,
    )

    assert "Thank you: the moderators will look at it." in again.get_data(as_text=True)
    assert flags_of(app) == [(flagger.id, "issue", issue.id, "spam", "open")]
    auth.login_as(moderator)
    queue = client.get("/staff/flags").get_data(as_text=True)
    assert "Now it links to a shop." in queue
    # A second flag while the first is open still counts once.
    auth.login_as(flagger)
    twice = client.post(f"/issues/{issue.id}/flag", data={"reason": "abusive"}, follow_redirects=True)
    # Found from outside: the second flag's reason was dropped without a word. It says so.
    said = html.unescape(twice.get_data(as_text=True))
    assert (
        "your first flag still waits for the moderators with its reason and note: this one was not added"
        in said
    )
    assert flags_of(app) == [(flagger.id, "issue", issue.id, "spam", "open")]


def test_the_queue_shows_what_was_flagged(
    client: FlaskClient,
    auth: AuthActions,
    make_issue: Callable[..., Any],
    make_user: Callable[..., Any],
) -> None:
    """Found from outside: the queue named the item but never showed the flagged text or photo, so each
    decision meant opening the problem first."""
    issue = make_issue(description="Buy <cheap> watches at example.shop")
    update_id = post_update(client, auth, issue.id, make_user())
    for kind, target in (("issue", None), ("update", update_id)):
        flagged = client.post(
            f"/api/v1/issues/{issue.id}/flags",
            json={"reason": "spam", "target_type": kind, "target_id": target},
            headers=auth.headers(make_user()),
        )
        assert flagged.status_code == 201, flagged.get_json()
    auth.login_as(make_user(role="official"))

    queue = client.get("/staff/flags").get_data(as_text=True)

    report = queue.split(f'id="flag-issue-{issue.id}"')[1].split("</li>")[0]
    assert "Buy &lt;cheap&gt; watches at example.shop</blockquote>" in report
    update = queue.split(f'id="flag-update-{update_id}"')[1].split("</li>")[0]
    assert "Rude words here.</blockquote>" in update
