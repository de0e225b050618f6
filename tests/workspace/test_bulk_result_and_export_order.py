"""The dashboard's bulk change keeps the ticked rows on error and shows its outcome beside the list;
the CSV export follows the chosen sort."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEntry, IssueEvent, Status
from app.services.workspace import dashboard
from app.services.workspace.audit_phrases import Facts
from app.services.workspace.audit_words import describe
from tests.workspace.conftest import problems_in_a_row
from tests.workspace.test_exports import read_csv

T0 = datetime(2026, 5, 1, 9, 0)


def test_a_bulk_change_without_a_note_keeps_the_ticked_rows(
    staff_client: FlaskClient, make_issue: Callable[..., Any]
) -> None:
    a, b, c = (make_issue(title=f"Row {n}", created_at=T0 + timedelta(days=n)) for n in range(3))
    response = staff_client.post(
        "/staff/dashboard/bulk-status",
        data={
            "issue_ids": [str(a.id), str(c.id)],
            "status": "acknowledged",
            "note": "",
            "back": "sort=oldest",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'value="{a.id}" id="pick-{a.id}" checked' in html
    assert f'value="{c.id}" id="pick-{c.id}" checked' in html
    assert f'value="{b.id}" id="pick-{b.id}" aria-label' in html  # not ticked
    # The error sits at the list, named, and says the selection is kept.
    assert 'id="bulk-result"' in html
    assert "Note is required" in html
    assert "Your 2 selected rows stay selected." in html


def test_a_successful_bulk_change_reports_beside_the_list_once(
    staff_client: FlaskClient, make_issue: Callable[..., Any]
) -> None:
    issue = make_issue()
    response = staff_client.post(
        "/staff/dashboard/bulk-status",
        data={
            "issue_ids": [str(issue.id)],
            "status": "acknowledged",
            "note": "Seen.",
            "back": "",
            "confirm": "yes",
        },
    )
    assert response.headers["Location"].endswith("#bulk-result")
    html = staff_client.get(response.headers["Location"]).get_data(as_text=True)
    result = html.index('id="bulk-result"')
    assert html.index('id="list-title"') < result < html.index('class="dash-table"')
    said = f"Status changed for 1 issue to “Acknowledged”: #{issue.id}."
    assert html.count(said) == 1  # beside the list, not also in the flashes
    assert said not in staff_client.get("/staff/dashboard").get_data(as_text=True)


def test_the_csv_export_follows_the_chosen_sort(
    staff_client: FlaskClient, make_issue: Callable[..., Any]
) -> None:
    old = make_issue(title="Old, liked", created_at=T0, likes_from=1)
    new = make_issue(title="New, loved", created_at=T0 + timedelta(days=5), likes_from=3)
    middle = make_issue(title="Middle, quiet", created_at=T0 + timedelta(days=2))

    def ids(query: str) -> list[int]:
        body = staff_client.get(f"/staff/exports/issues.csv{query}").get_data(as_text=True)
        return [int(r["id"]) for r in read_csv(body)]

    assert ids("") == sorted([old.id, new.id, middle.id])
    assert ids("?sort=newest") == [new.id, middle.id, old.id]
    assert ids("?sort=oldest") == [old.id, middle.id, new.id]
    assert ids("?sort=rank") == [new.id, old.id, middle.id]
    page = staff_client.get("/staff/dashboard?sort=newest").get_data(as_text=True)
    assert 'href="/staff/exports/issues.csv?sort=newest&amp;status=open"' in page
    refused = staff_client.get("/staff/exports/issues.csv?sort=sideways")
    assert refused.status_code == 422
    assert "Sort must be one of" in refused.get_data(as_text=True)


def test_a_bulk_changes_audit_names_each_problems_status_before(
    app: Flask, staff_client: FlaskClient, make_issue: Callable[..., Any]
) -> None:
    """Found from outside: a fixed problem moved to Planned in a batch left no trace of "Fixed" in the
    audit, where a single change names the status it came from."""
    new_a, new_b, fixed = make_issue(), make_issue(), make_issue(status="fixed")
    picked = [new_a.id, new_b.id, fixed.id]
    staff_client.post(
        "/staff/dashboard/bulk-status",
        data={
            "issue_ids": [str(i) for i in picked],
            "status": "planned",
            "note": "On the list.",
            "back": "",
            "confirm": "yes",
        },
    )
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "status.bulk_change")).one()
        names = dict(db.session.execute(select(Status.code, Status.name)).tuples().all())
        words = describe(Facts(entry.action, entry.target_type, entry.target_id, entry.details), names).text
    assert entry.details["from_statuses"] == {
        str(new_a.id): "new",
        str(new_b.id): "new",
        str(fixed.id): "fixed",
    }
    assert f"moved 3 problems (#{new_a.id}, #{new_b.id} from New; #{fixed.id} from Fixed) to Planned" in words


def test_a_bulk_change_is_reviewed_before_anything_changes(
    app: Flask, staff_client: FlaskClient, make_issue: Callable[..., Any]
) -> None:
    """Found from outside: sixteen problems were closed at one tap, with no question asked and fifteen
    follower mails sent. The first press shows what would change; only "Yes" changes it."""
    a, b, already = make_issue(), make_issue(), make_issue(status="closed")
    sent = {
        "issue_ids": [str(a.id), str(b.id), str(already.id)],
        "status": "closed",
        "note": "Sorted out.",
        "back": "",
    }

    asked = staff_client.post("/staff/dashboard/bulk-status", data=sent)

    assert asked.status_code == 200
    page = " ".join(asked.get_data(as_text=True).split())
    assert f"Change 2 problems to “Closed”: #{a.id}, #{b.id}?" in page
    assert "1 selected problem is “Closed” already and stays as it is." in page
    assert "Yes, change 2 problems" in page
    for issue in (a, b):  # ticked still (the closed one is not in the open list shown)
        assert f'value="{issue.id}" id="pick-{issue.id}" checked' in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(IssueEvent)) == 0
    done = staff_client.post("/staff/dashboard/bulk-status", data={**sent, "confirm": "yes"})
    assert done.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(IssueEvent)) == 2


def test_after_a_refused_bulk_change_the_page_links_keep_the_filters(
    app: Flask, staff_client: FlaskClient
) -> None:
    """Found from outside: the refused change's page (a POST) linked its pages without the filters."""
    made = problems_in_a_row(app, dashboard.PER_PAGE * 2 + 1)
    refused = staff_client.post(
        "/staff/dashboard/bulk-status",
        data={
            "issue_ids": [str(made[0])],
            "status": "",
            "note": "x",
            "back": "status=open&sort=newest&page=2",
        },
    )
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert 'rel="prev" href="/staff/dashboard?status=open&amp;sort=newest&amp;page=1"' in page
    assert 'rel="next" href="/staff/dashboard?status=open&amp;sort=newest&amp;page=3"' in page
