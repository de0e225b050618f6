"""The moderators' queue at city size: every flagged item is reachable, page by page, and the page says
how many there are (it used to read every open flag and silently show only the first 100)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import Flag
from app.services.workflow.flag_queue import PER_PAGE
from tests import factories
from tests.conftest import AuthActions

ITEMS = PER_PAGE + 1
FIRST_FLAG = datetime(2026, 11, 1, 9, 0)


def flag_many_reports(app: Flask) -> list[int]:
    """ITEMS reports, each flagged once, a minute apart (the first three twice); ids in queue order."""
    with app.app_context():
        reporter, second = factories.new_user(db.session), factories.new_user(db.session)
        flagger = factories.new_user(db.session)
        issue_ids = [factories.new_issue(db.session, reporter, title=f"Flagged {n}").id for n in range(ITEMS)]
        for n, issue_id in enumerate(issue_ids):
            flaggers = [flagger, second] if n < 3 else [flagger]
            for user in flaggers:
                db.session.add(
                    Flag(
                        user_id=user.id,
                        target_type="issue",
                        target_id=issue_id,
                        issue_id=issue_id,
                        reason="spam",
                        note=f"note {n}",
                        created_at=FIRST_FLAG + timedelta(minutes=n),
                    )
                )
        db.session.commit()
    return issue_ids  # most flagged first, then the longest waiting: already their order


def listed_ids(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'id="flag-issue-(\d+)"', page)]


def test_the_queue_pages_through_every_flagged_item_and_counts_them(
    app: Flask, client: FlaskClient, auth: AuthActions, make_user: Callable[..., Any]
) -> None:
    order = flag_many_reports(app)
    auth.login_as(make_user(role="official"))

    first = client.get("/staff/flags")
    assert first.status_code == 200
    text = first.get_data(as_text=True)
    assert f"{ITEMS} flagged items" in text
    assert listed_ids(text) == order[:PER_PAGE]
    assert '<span class="pagination__where">Page 1 of 2</span>' in text
    assert 'rel="next" href="/staff/flags?page=2"' in text
    assert "2 flags on" in text
    assert "note 0" in text

    second = client.get("/staff/flags?page=2").get_data(as_text=True)
    assert listed_ids(second) == order[PER_PAGE:]
    assert 'rel="prev" href="/staff/flags?page=1"' in second
    assert f"Flagged {ITEMS - 1}" in second
    assert f"note {ITEMS - 1}" in second

    beyond = client.get("/staff/flags?page=3").get_data(as_text=True)
    assert listed_ids(beyond) == []
    assert "Nothing is flagged." not in beyond
    assert f"({ITEMS} flagged)" in beyond
    assert client.get("/staff/flags?page=0").status_code == 422


def test_the_api_queue_pages_and_counts_too(
    app: Flask, client: FlaskClient, auth: AuthActions, make_user: Callable[..., Any]
) -> None:
    order = flag_many_reports(app)
    headers = auth.headers(make_user(role="official"))

    first = client.get("/api/v1/flags", headers=headers).get_json()
    assert (first["page"], first["per_page"], first["total"], first["has_next"]) == (1, PER_PAGE, ITEMS, True)
    assert [item["target_id"] for item in first["items"]] == order[:PER_PAGE]
    assert first["items"][0]["count"] == 2
    assert first["items"][0]["reasons"] == {"spam": 2}
    assert first["items"][0]["notes"] == ["note 0", "note 0"]
    second = client.get("/api/v1/flags?page=2", headers=headers).get_json()
    assert (second["total"], second["has_next"]) == (ITEMS, False)
    assert [item["target_id"] for item in second["items"]] == order[PER_PAGE:]
    assert second["items"][0]["latest"] == (FIRST_FLAG + timedelta(minutes=ITEMS - 1)).isoformat() + "Z"
    assert client.get("/api/v1/flags?page=zero", headers=headers).status_code == 422
