"""A hidden update's author is told, and its flaggers are not sent the words it was hidden for (found from
outside: "A moderator hid the update “Call John at 0612345678, …”" reached every flagger, and the
author heard nothing)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient

from tests.conftest import AuthActions
from tests.mailbox import Outbox, mails_to, text_of

PRIVATE = "Call John at 0612345678 about the hole"


def test_the_author_hears_of_the_hide_and_the_flaggers_read_no_quote(
    client: FlaskClient,
    auth: AuthActions,
    make_issue: Callable[..., Any],
    make_user: Callable[..., Any],
    outbox: Outbox,
) -> None:
    issue = make_issue(title="Hole in the pavement")
    author, flagger = make_user(display_name="Ann"), make_user()
    posted = client.post(
        f"/api/v1/issues/{issue.id}/updates", json={"text": PRIVATE}, headers=auth.headers(author)
    )
    update_id = posted.get_json()["id"]
    flagged = client.post(
        f"/api/v1/issues/{issue.id}/flags",
        json={"reason": "personal", "target_type": "update", "target_id": update_id},
        headers=auth.headers(flagger),
    )
    assert flagged.status_code == 201
    auth.login_as(make_user(role="official"))

    hidden = client.post(f"/staff/updates/{update_id}/hide", data={"reason": "Shares a phone number."})

    assert hidden.status_code == 302
    [thanks] = mails_to(outbox, flagger.email)
    assert "0612345678" not in text_of(thanks)
    assert "A moderator hid the update of " in text_of(thanks)
    assert f"on problem #{issue.id} “Hole in the pavement”, which you flagged." in text_of(thanks)
    [told] = mails_to(outbox, author.email)
    assert told["Subject"] == "Your update on “Hole in the pavement” is hidden"
    assert "Hello Ann," in text_of(told)
    assert "A moderator hid your update of " in text_of(told)
    assert "Their reason: Shares a phone number." in text_of(told)

    shown = client.post(f"/staff/updates/{update_id}/unhide", data={"reason": "Number removed."})

    assert shown.status_code == 302
    again = mails_to(outbox, author.email)[-1]
    assert again["Subject"] == "Your update on “Hole in the pavement” is public again"
    assert f"/issues/{issue.id}" in text_of(again)
