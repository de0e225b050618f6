"""A report hidden from its page closes its open flags as upheld and tells its flaggers, as a hide from the
flag queue does. Found from outside: it stayed in the queue unmarked, and "Dismiss" then mailed its
flaggers "it stays visible" about a report they could no longer open."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import Issue, User
from app.services.kernel.errors import Conflict
from app.services.workflow import flags, moderation
from tests.account.test_flags import flags_of, mails_to, post_update
from tests.conftest import AuthActions


def test_hiding_a_flagged_report_on_its_page_upholds_its_flags(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_user: Callable[..., Any],
    make_issue: Callable[..., Any],
    outbox: Callable[[], list[Any]],
) -> None:
    issue = make_issue()
    flaggers = [make_user() for _ in range(3)]
    for flagger in flaggers:
        flagged = client.post(
            f"/api/v1/issues/{issue.id}/flags", json={"reason": "spam"}, headers=auth.headers(flagger)
        )
        assert flagged.status_code == 201, flagged.get_json()
    auth.login_as(make_user(role="official"))

    hidden = client.post(
        f"/staff/issues/{issue.id}/hide", data={"reason": "Advertising"}, follow_redirects=True
    )

    assert "The issue is hidden from the public." in hidden.get_data(as_text=True)
    assert [status for *_rest, status in flags_of(app)] == ["hidden"] * 3
    for flagger in flaggers:
        assert mails_to(app, flagger.email) == ["Thank you: the problem report you flagged is hidden"]
    # It names what was flagged (found from outside: "the problem report you flagged on problem #322").
    told = next(m for m in outbox() if m["To"] == flaggers[0].email).get_content()
    # Once hidden, by its number: its title may be what it was hidden for (found in the recheck).
    assert f"A moderator hid the problem report #{issue.id}, which you flagged." in told
    assert issue.title not in told
    assert f"/staff/issues/{issue.id}" not in client.get("/staff/flags").get_data(as_text=True)
    # The reporter hears it too, and why (found from outside: their link became a 404, unexplained).
    with app.app_context():
        reporter = db.session.get(User, db.session.get(Issue, issue.id).reporter_id)
        assert reporter is not None
    to_reporter = [m for m in outbox() if m["To"] == reporter.email]
    assert [str(m["Subject"]) for m in to_reporter] == [f"Your report “{issue.title}” is hidden"]
    assert "Their reason: Advertising." in to_reporter[0].get_content()
    client.post(f"/staff/issues/{issue.id}/unhide", data={"reason": ""})
    last = [m for m in outbox() if m["To"] == reporter.email][-1]
    assert str(last["Subject"]) == f"Your report “{issue.title}” is public again"


def test_flags_of_an_item_hidden_already_cannot_be_dismissed(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_user: Callable[..., Any],
    make_issue: Callable[..., Any],
) -> None:
    issue = make_issue()
    flagger = make_user()
    client.post(f"/api/v1/issues/{issue.id}/flags", json={"reason": "spam"}, headers=auth.headers(flagger))
    official = make_user(role="official")
    with app.app_context():
        actor = db.session.get(User, official.id)
        moderation.set_issue_hidden(db.session, actor, issue.id, True, "Advertising")  # as before this fix
        with pytest.raises(Conflict, match="is hidden already: its flags were upheld, not dismissed"):
            flags.resolve(db.session, actor, "issue", issue.id, "dismiss")
        db.session.rollback()
    assert mails_to(app, flagger.email) == []


def test_a_flagged_update_needs_its_reason_beside_it_and_never_hides_the_report(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_user: Callable[..., Any],
    make_issue: Callable[..., Any],
) -> None:
    """Found from outside: "Hide update" on a flagged update came back on the report's own "Hide this
    issue" form, opened and focused; typing the reason there hid the whole report, and the update stayed."""
    issue = make_issue()
    update_id = post_update(client, auth, issue.id, make_user())
    flagger = make_user()
    flagged = client.post(
        f"/api/v1/issues/{issue.id}/flags",
        json={"reason": "abusive", "target_type": "update", "target_id": update_id},
        headers=auth.headers(flagger),
    )
    assert flagged.status_code == 201
    auth.login_as(make_user(role="official"))
    page = client.get(f"/issues/{issue.id}").get_data(as_text=True)
    assert f'id="update-reason-{update_id}" name="reason"' in page

    refused = client.post(f"/staff/updates/{update_id}/hide", data={"reason": ""})
    assert refused.status_code == 302
    assert refused.headers["Location"].endswith(f"/issues/{issue.id}#event-{update_id}")
    shown = client.get(f"/issues/{issue.id}").get_data(as_text=True)
    assert "The update was not hidden: Reason is required" in shown
    with app.app_context():
        assert db.session.get(Issue, issue.id).is_hidden is False  # type: ignore[union-attr]

    client.post(f"/staff/updates/{update_id}/hide", data={"reason": "Insults a neighbour"})

    with app.app_context():
        assert db.session.get(Issue, issue.id).is_hidden is False  # type: ignore[union-attr]
    assert [f[4] for f in flags_of(app)] == ["hidden"]  # the update's flag, upheld by the hide
