"""The dashboard's "past their target time" filter: the inbox's overdue reports, all of them, with the other
filters, in the exports too; the inbox links to it. Both engines."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import User
from app.models.timestamps import utcnow
from app.services.workspace import targets
from tests.workspace.test_exports import read_csv

MakeIssue = Callable[..., Any]


def listed_ids(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'name="issue_ids" value="(\d+)"', page)]


def test_the_filter_lists_every_overdue_report_and_the_inbox_links_to_it(
    app: Flask, staff_client: FlaskClient, make_issue: MakeIssue, make_user: Callable[..., User], stamp: Any
) -> None:
    now = utcnow()
    # Targets: the default (7 days) for every category but potholes, which an admin set to 20 days.
    old_lamp = make_issue(
        title="Lamp 10 days", category="streetlight", created_at=now - timedelta(days=10)
    ).id
    older_lamp = make_issue(
        title="Lamp 30 days", category="streetlight", created_at=now - timedelta(days=30)
    ).id
    young_lamp = make_issue(
        title="Lamp 2 days", category="streetlight", created_at=now - timedelta(days=2)
    ).id
    pothole_10 = make_issue(
        title="Pothole 10 days", category="pothole", created_at=now - timedelta(days=10)
    ).id
    pothole_25 = make_issue(
        title="Pothole 25 days", category="pothole", created_at=now - timedelta(days=25)
    ).id
    fixed = make_issue(title="Fixed lamp", category="streetlight", created_at=now - timedelta(days=30)).id
    stamp(fixed, status="fixed")
    hidden = make_issue(title="Hidden lamp", category="streetlight", created_at=now - timedelta(days=30)).id
    stamp(hidden, is_hidden=True)
    with app.app_context():
        admin = make_user(role="admin")
        targets.set_target(db.session, db.session.get(User, admin.id), "pothole", 20)
        db.session.commit()

    page = staff_client.get("/staff/dashboard?overdue=yes&sort=oldest").get_data(as_text=True)
    assert listed_ids(page) == [older_lamp, pothole_25, old_lamp]
    assert "3 problems" in page
    assert 'id="f-overdue" type="checkbox" name="overdue" value="yes" checked' in page
    for gone in (young_lamp, pothole_10, fixed, hidden):
        assert gone not in listed_ids(page)
    # With the other filters, and kept by the exports' links.
    lamps = staff_client.get("/staff/dashboard?overdue=yes&category=streetlight").get_data(as_text=True)
    assert sorted(listed_ids(lamps)) == sorted([older_lamp, old_lamp])
    assert "overdue=yes" in html.unescape(re.search(r'href="(/staff/exports/issues\.csv[^"]*)"', lamps)[1])
    exported = staff_client.get("/staff/exports/issues.csv?overdue=yes").get_data(as_text=True)
    rows = read_csv(exported)
    assert sorted(int(r["id"]) for r in rows) == sorted([older_lamp, pothole_25, old_lamp])

    inbox = staff_client.get("/staff/").get_data(as_text=True)
    assert 'data-count="overdue">3<' in inbox
    assert "All 3 overdue on the dashboard" in inbox
    assert "/staff/dashboard?overdue=yes&amp;sort=oldest" in inbox


def test_a_bad_overdue_value_is_named(staff_client: FlaskClient) -> None:
    response = staff_client.get("/staff/dashboard?overdue=maybe")
    assert response.status_code == 422
    assert "Overdue must be yes or no, not &#39;maybe&#39;." in response.get_data(as_text=True)
    assert staff_client.get("/staff/exports/issues.csv?overdue=maybe").status_code == 422


def test_the_api_export_takes_the_filter(
    app: Flask, auth: Any, make_issue: MakeIssue, make_user: Callable[..., User]
) -> None:
    now = utcnow()
    late = make_issue(title="Late", category="streetlight", created_at=now - timedelta(days=10)).id
    make_issue(title="Young", category="streetlight", created_at=now - timedelta(days=1))
    headers = auth.headers(role="official")
    exported = auth.client.get("/api/v1/exports/issues.csv?overdue=yes", headers=headers)
    assert exported.status_code == 200
    assert [int(r["id"]) for r in read_csv(exported.get_data(as_text=True))] == [late]
    refused = auth.client.get("/api/v1/exports/issues.csv?overdue=maybe", headers=headers)
    assert refused.status_code == 422
    assert refused.get_json()["error"]["field"] == "overdue"
