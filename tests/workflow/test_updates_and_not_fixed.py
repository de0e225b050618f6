"""Public updates (text, photo, staff badge) and residents' "not fixed" within 30 days of the fix."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from app.extensions import db
from app.models import Issue, IssueEvent
from app.models.timestamps import utcnow
from tests.conftest import AuthActions
from tests.images import jpeg_with_gps
from tests.workflow.issue_state import events_of, issue_state


def _follower(client: FlaskClient, auth: AuthActions, user: Any, issue_id: int) -> Any:
    """`user`, following the problem from its page (logged out again after)."""
    auth.login_as(user)
    assert client.post(f"/follows/issues/{issue_id}").status_code == 302
    auth.logout()
    return user


def test_residents_and_staff_post_updates_and_staff_ones_carry_the_badge(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_issue: Callable[..., Any],
    make_user: Callable[..., Any],
) -> None:
    issue = make_issue()
    resident = make_user(display_name="Rita Resident")
    official = make_user(role="official", display_name="Olivia Official")

    first = client.post(
        f"/api/v1/issues/{issue.id}/updates",
        json={"text": "Still there this morning."},
        headers=auth.headers(resident),
    )
    second = client.post(
        f"/api/v1/issues/{issue.id}/updates",
        json={"text": "Crew booked for Monday."},
        headers=auth.headers(official),
    )

    assert first.status_code == 201
    assert first.get_json()["by_staff"] is False
    assert second.get_json()["by_staff"] is True
    history = client.get(f"/api/v1/issues/{issue.id}/history").get_json()["events"]
    assert [(e["actor"], e["note"], e["by_staff"]) for e in history] == [
        ("Rita Resident", "Still there this morning.", False),
        ("Olivia Official", "Crew booked for Monday.", True),
    ]
    page = client.get(f"/issues/{issue.id}").get_data(as_text=True)
    assert page.count("City staff</span>") == 1
    assert page.index("Still there this morning.") < page.index("Crew booked for Monday.")


def test_the_citys_updates_reach_the_followers_by_mail(
    client: FlaskClient,
    auth: AuthActions,
    make_issue: Callable[..., Any],
    make_user: Callable[..., Any],
    outbox: Callable[[], list[Any]],
) -> None:
    """Found from outside: a question the city asked the reporter on the problem reached nobody."""
    issue = make_issue()
    follower = _follower(client, auth, make_user(), issue.id)
    official = make_user(role="official")
    for author, text in ((make_user(), "Still there."), (official, "Which side of the road is it on?")):
        posted = client.post(
            f"/api/v1/issues/{issue.id}/updates", json={"text": text}, headers=auth.headers(author)
        )
        assert posted.status_code == 201

    [mail] = [m for m in outbox() if m["To"] == follower.email]
    assert mail["Subject"] == f"Update from the city: “{issue.title}”"
    text = mail.get_content()
    assert "Note from the city:\nWhich side of the road is it on?" in text
    assert "List-Unsubscribe" in mail
    assert official.email not in [m["To"] for m in outbox()]  # not the one who wrote it


def test_an_update_with_a_photo_shows_the_photo_on_the_timeline_not_in_the_report_gallery(
    client: FlaskClient, auth: AuthActions, make_issue: Callable[..., Any]
) -> None:
    issue = make_issue()
    response = client.post(
        f"/api/v1/issues/{issue.id}/updates",
        data={"text": "Here is how it looks now.", "photo": (io.BytesIO(jpeg_with_gps()), "now.jpg")},
        content_type="multipart/form-data",
        headers=auth.headers(role="resident"),
    )

    assert response.status_code == 201, response.get_json()
    [photo_url] = response.get_json()["photos"]
    served = client.get(photo_url)
    assert served.status_code == 200
    assert served.mimetype == "image/jpeg"
    served.close()
    assert client.get(f"/api/v1/issues/{issue.id}").get_json()["properties"]["photos"] == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Update text is required"),
        ("   ", "Update text is required"),
        ("w" * 2001, "at most 2,000 characters"),
    ],
)
def test_bad_updates_are_refused_and_store_nothing(
    client: FlaskClient,
    auth: AuthActions,
    make_issue: Callable[..., Any],
    table_counts: Callable[[], dict[str, int]],
    text: str,
    message: str,
) -> None:
    issue = make_issue()
    headers = auth.headers(role="resident")
    before = table_counts()

    response = client.post(f"/api/v1/issues/{issue.id}/updates", json={"text": text}, headers=headers)

    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "text"
    assert message in response.get_json()["error"]["message"]
    assert table_counts() == before


def test_blocked_accounts_cannot_post_updates(
    client: FlaskClient,
    auth: AuthActions,
    make_issue: Callable[..., Any],
    make_user: Callable[..., Any],
    table_counts: Callable[[], dict[str, int]],
) -> None:
    issue = make_issue()
    blocked = make_user(is_blocked=True)
    headers = auth.headers(blocked)
    auth.login_as(blocked)
    page = client.get(f"/issues/{issue.id}").get_data(as_text=True)
    assert "This account is blocked and cannot post updates." in page
    before = table_counts()

    auth.logout()
    response = client.post(f"/api/v1/issues/{issue.id}/updates", json={"text": "hello"}, headers=headers)

    assert response.status_code == 403
    assert "blocked" in response.get_json()["error"]["message"]
    assert table_counts() == before


def test_the_web_form_posts_an_update(
    client: FlaskClient, auth: AuthActions, make_issue: Callable[..., Any], make_user: Callable[..., Any]
) -> None:
    issue = make_issue()
    auth.login_as(make_user())
    response = client.post(
        f"/issues/{issue.id}/updates", data={"text": "Seen again today."}, follow_redirects=True
    )
    text = response.get_data(as_text=True)
    assert "Your update is posted." in text
    assert "Seen again today." in text

    empty = client.post(f"/issues/{issue.id}/updates", data={"text": ""}, follow_redirects=True)
    assert "Update text is required." in empty.get_data(as_text=True)


def test_a_refused_update_keeps_what_was_typed(
    client: FlaskClient,
    auth: AuthActions,
    make_issue: Callable[..., Any],
    make_user: Callable[..., Any],
    table_counts: Callable[[], dict[str, int]],
) -> None:
    """Found from outside: a refused photo or a text over the limit sent the page back with the text box
    empty. The page comes back with the text, the reason under its field, and the text focused."""
    issue = make_issue()
    auth.login_as(make_user())
    before = table_counts()
    not_a_photo = client.post(
        f"/issues/{issue.id}/updates",
        data={"text": "Still <here> after the rain.", "photo": (io.BytesIO(b"not an image"), "x.jpg")},
        content_type="multipart/form-data",
    )
    assert not_a_photo.status_code == 422
    page = not_a_photo.get_data(as_text=True)
    form = page.split('id="update-form"')[1].split("</form>")[0]
    assert "Still &lt;here&gt; after the rain.</textarea>" in form
    assert 'id="update-photo-error"' in form
    assert "this file is not a readable image." in form
    assert "autofocus" in form
    assert "Your update was not posted:" in page

    too_long = client.post(
        f"/issues/{issue.id}/updates",
        data={"text": "x" * 2001, "photo": (io.BytesIO(b"any bytes"), "x.jpg")},
        content_type="multipart/form-data",
    )
    assert too_long.status_code == 422
    form = too_long.get_data(as_text=True).split('id="update-form"')[1].split("</form>")[0]
    assert "x" * 2001 + "</textarea>" in form
    assert 'id="update-text-error"' in form
    # The photo chosen with it cannot come back in the form: said under it, as the report form does.
    assert "Choose the photo again: a form sent back cannot keep the file you chose." in form
    assert table_counts() == before


def _fixed(app: Flask, client: FlaskClient, auth: AuthActions, issue_id: int, days_ago: int = 0) -> None:
    response = client.post(
        f"/api/v1/issues/{issue_id}/status",
        json={"status": "fixed", "note": "Done."},
        headers=auth.headers(role="official"),
    )
    assert response.status_code == 200
    if days_ago:
        with app.app_context():
            db.session.execute(
                update(Issue).where(Issue.id == issue_id).values(fixed_at=utcnow() - timedelta(days=days_ago))
            )
            db.session.commit()


def test_a_resident_says_not_fixed_and_the_issue_reopens(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_issue: Callable[..., Any],
    make_user: Callable[..., Any],
    outbox: Callable[[], list[Any]],
) -> None:
    issue = make_issue()
    follower = _follower(client, auth, make_user(), issue.id)
    _fixed(app, client, auth, issue.id, days_ago=29)
    resident = make_user(display_name="Rita Resident")
    headers = auth.headers(resident)
    auth.login_as(resident)
    assert "It is not fixed" in client.get(f"/issues/{issue.id}").get_data(as_text=True)
    auth.logout()

    # Found from outside: a misspelled note reopened the problem without it.
    misspelled = client.post(f"/api/v1/issues/{issue.id}/not-fixed", json={"note_": "Back."}, headers=headers)
    assert (misspelled.status_code, misspelled.get_json()["error"]["field"]) == (422, "note_")
    assert issue_state(app, issue.id)["status"] == "fixed"
    response = client.post(
        f"/api/v1/issues/{issue.id}/not-fixed", json={"note": "The hole is back."}, headers=headers
    )

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["properties"]["status"] == "new"
    state = issue_state(app, issue.id)
    assert state["status"] == "new"
    assert state["fixed_at"] is None
    assert events_of(app, issue.id)[-1] == ("reopen", "fixed", "new", "The hole is back.")
    page = client.get(f"/issues/{issue.id}").get_data(as_text=True)
    assert "Said it is <strong>not fixed</strong>" in page
    assert "The hole is back." in page
    # Found from outside: the follower's mail put the resident's words under "Note from the city:".
    [reopened] = [m for m in outbox() if m["To"] == follower.email and "not fixed" in str(m["Subject"])]
    assert "What the resident wrote:\nThe hole is back." in reopened.get_content()
    assert "Note from the city" not in reopened.get_content()


@pytest.mark.parametrize(
    ("fixed", "days_ago", "message"),
    [
        (True, 31, "more than 30 days ago"),
        (False, 0, "is not marked fixed"),
    ],
)
def test_not_fixed_is_refused_outside_its_window_and_changes_nothing(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_issue: Callable[..., Any],
    table_counts: Callable[[], dict[str, int]],
    fixed: bool,
    days_ago: int,
    message: str,
) -> None:
    issue = make_issue()
    if fixed:
        _fixed(app, client, auth, issue.id, days_ago=days_ago)
    headers = auth.headers(role="resident")
    before, state = table_counts(), issue_state(app, issue.id)

    response = client.post(f"/api/v1/issues/{issue.id}/not-fixed", json={}, headers=headers)

    assert response.status_code == 422
    assert message in response.get_json()["error"]["message"]
    assert table_counts() == before
    assert issue_state(app, issue.id) == state
    auth.login_as(auth.make_user())
    assert "It is not fixed" not in client.get(f"/issues/{issue.id}").get_data(as_text=True)


def test_unconfirmed_accounts_cannot_post_updates_or_reopen_until_they_confirm(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_issue: Callable[..., Any],
    make_user: Callable[..., Any],
    table_counts: Callable[[], dict[str, int]],
) -> None:
    # An update or a reopening is public at once; likes and follows already wait for a confirmed address.
    issue = make_issue()
    fixed = make_issue()
    _fixed(app, client, auth, fixed.id)
    newcomer = make_user(email_confirmed=False)
    headers = auth.headers(newcomer)
    before = table_counts()

    update_refused = client.post(f"/api/v1/issues/{issue.id}/updates", json={"text": "spam"}, headers=headers)
    reopen_refused = client.post(f"/api/v1/issues/{fixed.id}/not-fixed", json={}, headers=headers)

    for refused in (update_refused, reopen_refused):
        assert refused.status_code == 403
        assert refused.get_json()["error"]["code"] == "email_not_confirmed"
    assert table_counts() == before
    auth.login_as(newcomer)
    before = table_counts()  # with the web login's session
    page = client.get(f"/issues/{issue.id}").get_data(as_text=True)
    assert "Confirm your email address to post updates" in page
    assert 'id="update-form"' not in page
    web = client.post(f"/issues/{issue.id}/updates", data={"text": "spam"}, follow_redirects=True)
    assert "Confirm your email address first" in web.get_data(as_text=True)
    assert table_counts() == before


def test_the_same_update_sent_again_is_posted_once(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_issue: Callable[..., Any],
    make_user: Callable[..., Any],
) -> None:
    """Found from outside: Back after posting, then Post again, put the update on the timeline twice."""
    issue = make_issue()
    resident = make_user()
    auth.login_as(resident)
    url = f"/issues/{issue.id}/updates"

    for _ in range(2):
        posted = client.post(url, data={"text": "Back button update test 77"}, follow_redirects=True)
        assert "Your update is posted." in posted.get_data(as_text=True)

    notes = [e["note"] for e in client.get(f"/api/v1/issues/{issue.id}/history").get_json()["events"]]
    assert notes == ["Back button update test 77"]
    other = client.post(url, data={"text": "Now it is worse."}, follow_redirects=True)
    assert other.status_code == 200
    # Later, the same words are a new update (a resident may well say "Still there" again next week).
    with app.app_context():
        db.session.execute(update(IssueEvent).values(created_at=utcnow() - timedelta(minutes=11)))
        db.session.commit()
    client.post(url, data={"text": "Back button update test 77"})
    notes = [e["note"] for e in client.get(f"/api/v1/issues/{issue.id}/history").get_json()["events"]]
    assert notes == ["Back button update test 77", "Now it is worse.", "Back button update test 77"]
    # The same words with a photo are a new update (found in the recheck: the photo was dropped).
    photo = (io.BytesIO(jpeg_with_gps()), "hubcap.jpg")
    client.post(url, data={"text": "Now it is worse.", "photo": photo}, content_type="multipart/form-data")
    events = client.get(f"/api/v1/issues/{issue.id}/history").get_json()["events"]
    assert [e["note"] for e in events][-1] == "Now it is worse."
    assert len(events) == 4
