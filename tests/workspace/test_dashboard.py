"""The officials' priority dashboard: filters, sorts, pages, bulk status change and who may see it."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.extensions import db
from app.models import Issue, IssueEvent, User
from app.services.kernel.errors import ValidationError
from app.services.workspace import dashboard
from app.services.workspace.dashboard import DashboardFilters
from tests.testcity import HILLSIDE, OLD_TOWN, RIVERSIDE
from tests.workspace.conftest import Stamp, problems_in_a_row

MakeIssue = Callable[..., Issue]
T0 = datetime(2026, 3, 2, 9, 0, 0)


def listed_ids(html: str) -> list[int]:
    """Issue ids in the order the priority table lists them (from the row checkboxes)."""
    return [int(i) for i in re.findall(r'name="issue_ids" value="(\d+)"', html)]


@pytest.fixture
def sample(make_issue: MakeIssue, stamp: Stamp) -> dict[str, int]:
    """Five issues across areas, categories, statuses, ages and likes."""
    issues = {
        "liked_old": make_issue(place=OLD_TOWN, created_at=T0, likes_from=3, title="Liked old"),
        "liked_new": make_issue(
            place=OLD_TOWN, created_at=T0 + timedelta(days=5), likes_from=3, title="Liked new"
        ),
        "lamp": make_issue(
            place=RIVERSIDE, category="streetlight", created_at=T0 + timedelta(days=2), likes_from=1
        ),
        "quiet": make_issue(place=HILLSIDE, created_at=T0 + timedelta(days=9), title="Quiet"),
        "fixed": make_issue(place=OLD_TOWN, status="fixed", created_at=T0 + timedelta(days=1), likes_from=5),
    }
    ids = {name: issue.id for name, issue in issues.items()}
    stamp(ids["liked_old"], last_activity_at=T0 + timedelta(days=1))
    stamp(ids["liked_new"], last_activity_at=T0 + timedelta(days=6))
    stamp(ids["quiet"], last_activity_at=T0 + timedelta(days=30))
    stamp(ids["lamp"], status="acknowledged", last_activity_at=T0 + timedelta(days=20))
    return ids


def test_default_list_is_open_issues_by_rank(staff_client: FlaskClient, sample: dict[str, int]) -> None:
    response = staff_client.get("/staff/dashboard")

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    # Most likes first, ties to the older report; the fixed issue is not open, so not listed.
    assert listed_ids(page) == [sample["liked_old"], sample["liked_new"], sample["lamp"], sample["quiet"]]
    assert "4 problems" in page
    assert "Liked old" in page
    assert "Broken street light" in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("area={Riverside}", ["lamp"]),
        ("category=streetlight", ["lamp"]),
        ("status=fixed", ["fixed"]),
        ("status=acknowledged", ["lamp"]),
        ("status=open,fixed,closed", ["fixed", "liked_old", "liked_new", "lamp", "quiet"]),
        ("min_likes=3", ["liked_old", "liked_new"]),
        ("from=2026-03-03&to=2026-03-07", ["liked_new", "lamp"]),
        ("sort=oldest", ["liked_old", "lamp", "liked_new", "quiet"]),
        ("sort=newest", ["quiet", "liked_new", "lamp", "liked_old"]),
        ("sort=likes", ["liked_new", "liked_old", "lamp", "quiet"]),
        ("sort=activity", ["quiet", "lamp", "liked_new", "liked_old"]),
        ("area={Old Town}&status=open,fixed&min_likes=4", ["fixed"]),
    ],
)
def test_filters_and_sorts(
    staff_client: FlaskClient, sample: dict[str, int], city: dict[str, int], query: str, expected: list[str]
) -> None:
    response = staff_client.get("/staff/dashboard?" + query.format(**city))

    assert response.status_code == 200
    assert listed_ids(response.get_data(as_text=True)) == [sample[name] for name in expected]


def selected_statuses(page: str) -> list[str]:
    """The values of the Status filter's selected options."""
    select_tag = re.search(r'<select id="f-status" name="status">(.*?)</select>', page, re.S)
    assert select_tag is not None
    return re.findall(r'<option value="([^"]*)" selected>', select_tag.group(1))


def test_one_status_named_like_a_type_is_that_status_only(
    staff_client: FlaskClient, make_issue: MakeIssue
) -> None:
    closed = make_issue(status="closed", created_at=T0).id
    duplicate = make_issue(status="duplicate", created_at=T0 + timedelta(hours=1)).id
    page = staff_client.get("/staff/dashboard?status=closed").get_data(as_text=True)
    assert listed_ids(page) == [closed, duplicate]  # the type: every closed status
    assert selected_statuses(page) == ["closed"]

    one = '<option value="code:closed"'
    assert one in page  # the "One status" choice for the status Closed
    page = staff_client.get("/staff/dashboard?status=code:closed").get_data(as_text=True)
    assert listed_ids(page) == [closed]
    assert selected_statuses(page) == ["code:closed"]
    assert 'href="/staff/exports/issues.csv?sort=rank&amp;status=code:closed"' in page
    page = staff_client.get("/staff/dashboard?status=duplicate").get_data(as_text=True)
    assert listed_ids(page) == [duplicate]
    assert selected_statuses(page) == ["code:duplicate"]  # a bookmarked bare code still reads right


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("status=bogus", "status", "Status 'bogus' is unknown"),
        ("category=nope", "category", "Category 'nope' is unknown"),
        ("area=999999", "area", "Area 999999 does not exist"),
        ("from=yesterday", "from", "From must be a date like 2026-05-31"),
        ("from=2026-05-02&to=2026-05-01", "from", "From must be on or before To"),
        ("min_likes=-1", "min_likes", "Minimum likes must be between 0"),
        ("sort=random", "sort", "Sort must be one of rank, likes, oldest, newest, activity"),
    ],
)
def test_bad_filters_are_named(
    staff_client: FlaskClient, sample: dict[str, int], query: str, field: str, message: str
) -> None:
    response = staff_client.get("/staff/dashboard?" + query)

    assert response.status_code == 422
    assert message in html.unescape(response.get_data(as_text=True))
    args = dict(pair.split("=") for pair in query.split("&"))

    def parse() -> None:
        dashboard.parse_filters(db.session, args)
        dashboard.parse_sort(args.get("sort"))

    with staff_client.application.app_context(), pytest.raises(ValidationError) as caught:
        parse()
    assert caught.value.field == field


def test_a_refused_filter_keeps_what_was_typed_and_points_at_its_field(
    staff_client: FlaskClient, city: dict[str, int]
) -> None:
    """Found from outside: a "from" date after the "to" date emptied the whole form, and the error was a
    line of plain text, so the official typed every filter again."""
    old_town = city["Old Town"]
    query = (
        f"area={old_town}&category=pothole&status=code:acknowledged&from=2026-05-02&to=2026-05-01"
        "&min_likes=3&overdue=yes&sort=newest"
    )
    response = staff_client.get("/staff/dashboard?" + query)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert '<h2 class="form-errors__title">This filter was not applied</h2>' in page
    assert '<a href="#f-from">From must be on or before To.</a>' in page
    assert (
        "Until it is corrected, the list, the exports and the pictures below show every open problem." in page
    )
    assert 'name="from" value="2026-05-02" aria-invalid="true" aria-describedby="error-summary">' in page
    assert 'name="to" value="2026-05-01">' in page
    assert f'<option value="{old_town}" selected>' in page
    assert '<option value="pothole" selected>' in page
    assert '<option value="code:acknowledged" selected>' in page
    assert 'name="min_likes" min="0" inputmode="numeric" value="3">' in page
    assert 'name="overdue" value="yes" checked>' in page
    assert '<option value="newest" selected>' in page
    assert page.count("aria-invalid") == 1
    # Once accepted, the form shows the filters in force (defaults filled in), nothing marked.
    page = staff_client.get(f"/staff/dashboard?area={old_town}").get_data(as_text=True)
    assert "form-errors" not in page
    assert "aria-invalid" not in page
    assert f'<option value="{old_town}" selected>' in page
    assert '<option value="open" selected>' in page
    assert '<option value="rank" selected>' in page


def test_a_refused_filter_shows_back_at_most_200_characters(staff_client: FlaskClient) -> None:
    page = staff_client.get("/staff/dashboard?min_likes=" + "9" * 5000).get_data(as_text=True)
    assert f'value="{"9" * 200}" aria-invalid="true"' in page
    assert "9" * 201 not in page.split("</form>")[0]


def test_pages(app: Flask, staff_client: FlaskClient, make_issue: MakeIssue) -> None:
    made = [make_issue(created_at=T0 + timedelta(hours=i)).id for i in range(5)]
    with app.app_context():
        first = dashboard.priority_page(db.session, DashboardFilters(), "rank", page=1, per_page=2)
        third = dashboard.priority_page(db.session, DashboardFilters(), "rank", page=3, per_page=2)
    assert [r.id for r in first.rows] == made[:2]
    assert (first.total, first.pages, first.has_next, first.has_prev) == (5, 3, True, False)
    assert [r.id for r in third.rows] == made[4:]
    assert (third.has_next, third.has_prev) == (False, True)
    assert staff_client.get("/staff/dashboard?page=0").status_code == 422
    with app.app_context():  # past the end: the last page, not an empty one
        beyond = dashboard.priority_page(db.session, DashboardFilters(), "rank", page=9, per_page=2)
        nothing = dashboard.priority_page(db.session, DashboardFilters(category="tree"), "rank", page=9)
    assert ([r.id for r in beyond.rows], beyond.page) == (made[4:], 3)
    assert (nothing.rows, nothing.page, nothing.pages) == ([], 1, 1)


def test_a_bulk_change_that_empties_the_last_page_comes_back_to_the_new_last_page(
    app: Flask, staff_client: FlaskClient
) -> None:
    made = problems_in_a_row(app, dashboard.PER_PAGE + 1)
    assert listed_ids(staff_client.get("/staff/dashboard?page=2").get_data(as_text=True)) == made[-1:]

    response = staff_client.post(
        "/staff/dashboard/bulk-status",
        data={
            "issue_ids": [str(made[-1])],
            "status": "closed",
            "note": "Swept.",
            "back": "status=open&page=2",
            "confirm": "yes",
        },
    )

    assert response.headers["Location"].endswith("/staff/dashboard?status=open&page=2#bulk-result")
    page = staff_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Status changed for 1 issue to “Closed”: #" in page
    assert "No problems match these filters." not in page
    assert f"{dashboard.PER_PAGE} problems" in page
    assert listed_ids(page) == made[: dashboard.PER_PAGE]
    assert 'name="back" type="hidden" value="status=open&amp;sort=rank&amp;page=1"' in page


def test_hidden_issues_are_left_out(staff_client: FlaskClient, sample: dict[str, int], stamp: Stamp) -> None:
    stamp(sample["liked_old"], is_hidden=True)
    page = staff_client.get("/staff/dashboard").get_data(as_text=True)
    assert sample["liked_old"] not in listed_ids(page)


def test_the_hidden_filter_lists_only_hidden_reports(
    staff_client: FlaskClient, sample: dict[str, int], stamp: Stamp
) -> None:
    """Found from outside: a report an official hid was in no staff list (the logs are admin-only), so
    a mistaken hide could only be undone by remembering the number."""
    stamp(sample["liked_old"], is_hidden=True)
    stamp(sample["fixed"], is_hidden=True)
    page = staff_client.get("/staff/dashboard?hidden=yes&status=open,fixed,closed").get_data(as_text=True)
    assert sorted(listed_ids(page)) == sorted([sample["liked_old"], sample["fixed"]])
    assert "2 problems" in page
    assert 'name="hidden" value="yes" checked' in page
    bad = staff_client.get("/staff/dashboard?hidden=maybe")
    assert bad.status_code == 422
    assert "Hidden must be yes or no" in html.unescape(bad.get_data(as_text=True))
    inbox = staff_client.get("/staff/").get_data(as_text=True)
    assert "hidden=yes" in inbox


def test_bulk_status_change_with_one_note(
    app: Flask, staff_client: FlaskClient, sample: dict[str, int], official: User
) -> None:
    chosen = [sample["liked_old"], sample["quiet"]]
    response = staff_client.post(
        "/staff/dashboard/bulk-status",
        data={
            "issue_ids": [str(i) for i in chosen],
            "status": "investigating",
            "note": "Crew on site Monday.",
            "back": "sort=oldest&status=open",
            "confirm": "yes",
        },
    )

    assert response.status_code == 302
    # Back to the list it changed, with the outcome beside it (#bulk-result), not in the flashes above.
    assert response.headers["Location"].endswith("/staff/dashboard?sort=oldest&status=open#bulk-result")
    page = staff_client.get(response.headers["Location"]).get_data(as_text=True)
    # Which problems and to what (found from outside: "Status changed for 2 issues." said neither).
    assert f"Status changed for 2 issues to “Investigating”: #{chosen[0]}, #{chosen[1]}." in page
    # The same change again, with one more: the one left alone is said in the singular.
    third = sample["liked_new"]
    again = staff_client.post(
        "/staff/dashboard/bulk-status",
        data={
            "issue_ids": [str(chosen[0]), str(third)],
            "status": "investigating",
            "note": "Crew on site.",
            "confirm": "yes",
        },
    )
    said = staff_client.get(again.headers["Location"]).get_data(as_text=True)
    assert f"Status changed for 1 issue to “Investigating”: #{third}." in said
    assert "1 already had that status and was left alone." in said
    with app.app_context():
        statuses = dict(
            db.session.execute(select(Issue.id, Issue.status).where(Issue.id.in_(chosen))).tuples().all()
        )
        events = (
            db.session.execute(
                select(IssueEvent.issue_id, IssueEvent.to_status, IssueEvent.note, IssueEvent.actor_id)
                .where(IssueEvent.issue_id.in_(chosen))
                .order_by(IssueEvent.issue_id)
            )
            .tuples()
            .all()
        )
    assert statuses == dict.fromkeys(chosen, "investigating")
    assert [tuple(e) for e in events] == [
        (i, "investigating", "Crew on site Monday.", official.id) for i in sorted(chosen)
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"status": "acknowledged", "note": "Seen."}, "Tick at least one problem in the list."),
        ({"status": "nope", "note": "Seen.", "issue_ids": ["{id}"]}, "Status 'nope' is unknown"),
        (
            {"status": "acknowledged", "note": "x" * 2001, "issue_ids": ["{id}"]},
            "Note must be at most 2,000 characters",
        ),
        (
            {"status": "acknowledged", "note": "Seen.", "issue_ids": ["{id}", "999999"]},
            "There is no issue #999999.",
        ),
    ],
)
def test_bulk_errors_are_clear_and_change_nothing(
    app: Flask, staff_client: FlaskClient, sample: dict[str, int], data: dict[str, object], message: str
) -> None:
    form = dict(data)  # the parameters are shared by both backends' runs: never change them in place
    if "issue_ids" in form:
        form["issue_ids"] = [str(v).format(id=sample["quiet"]) for v in data["issue_ids"]]  # type: ignore[attr-defined]
    response = staff_client.post("/staff/dashboard/bulk-status", data=form)

    assert response.status_code in (404, 422)
    shown = html.unescape(response.get_data(as_text=True))
    assert message in shown, re.findall(r'class="(?:form-error|field__error)"[^>]*>([^<]*)<', shown)
    assert "Your 0 selected rows" not in shown  # found from outside, with nothing ticked
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(IssueEvent)) == 0
        assert db.session.scalar(select(Issue.status).where(Issue.id == sample["quiet"])) == "new"


def test_dashboard_links_exports_with_the_filters(staff_client: FlaskClient, city: dict[str, int]) -> None:
    page = staff_client.get(f"/staff/dashboard?area={city['Hillside']}&category=pothole").get_data(
        as_text=True
    )
    assert (
        f'href="/staff/exports/issues.csv?sort=rank&amp;status=open&amp;area={city["Hillside"]}&amp;category=pothole"'
        in page
    )
    assert (
        f'href="/staff/exports/issues.geojson?status=open&amp;area={city["Hillside"]}&amp;category=pothole"'
        in page
    )


@pytest.mark.parametrize("role", ["resident", None])
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/staff/dashboard"),
        ("POST", "/staff/dashboard/bulk-status"),
        ("GET", "/staff/exports/issues.csv"),
        ("GET", "/staff/exports/issues.geojson"),
        ("GET", "/staff/dashboard/heat.json"),
    ],
)
def test_residents_and_visitors_are_refused(
    client: FlaskClient,
    auth: object,
    make_user: Callable[..., User],
    role: str | None,
    method: str,
    path: str,
) -> None:
    if role is not None:
        auth.login(make_user(role=role).email)  # type: ignore[attr-defined]
    response = client.open(path, method=method, data={"issue_ids": ["1"], "status": "fixed", "note": "x"})
    if role is None:
        assert response.status_code in (302, 401)
        if response.status_code == 302:
            assert "/account/login" in response.headers["Location"]
    else:
        assert response.status_code == 403
    assert "Priority list" not in response.get_data(as_text=True)


def test_admins_see_the_dashboard(client: FlaskClient, auth: object, make_user: Callable[..., User]) -> None:
    auth.login(make_user(role="admin").email)  # type: ignore[attr-defined]
    response = client.get("/staff/dashboard")
    assert response.status_code == 200
    assert "Priority list" in response.get_data(as_text=True)
