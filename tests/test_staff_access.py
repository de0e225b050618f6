"""Role x route table: every staff page and staff API endpoint refuses anonymous users and residents.

The table must list every route under /staff, every view guarded by roles_required, and every staff
API endpoint; a new staff route without a row here fails `test_every_staff_route_is_in_the_table`.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from app.extensions import db
from app.models import Issue, IssueEvent, Photo
from app.models.backing import MatchingPeriod
from app.models.timestamps import utcnow
from app.services.accounts import blocking
from tests.conftest import AuthActions
from tests.images import jpeg_with_gps

ROLES = ("anonymous", "resident", "official", "admin", "blocked official")
# API endpoints for officials that check the role inside the service rather than with roles_required.
STAFF_API_MARKERS = re.compile(
    r"/(status|duplicate-of|estimate|census|payouts|remainder-return)$|/exports/|/admins/<int:user_id>$"
)

# (method, rule) -> the least role that may use it.
TABLE: dict[tuple[str, str], str] = {
    # part A: issue actions and admin pages
    ("GET", "/staff/"): "official",
    ("GET", "/staff/issues/<int:issue_id>"): "official",
    ("POST", "/staff/issues/<int:issue_id>/status"): "official",
    ("POST", "/staff/issues/<int:issue_id>/duplicate"): "official",
    ("POST", "/staff/issues/<int:issue_id>/edit"): "official",
    ("POST", "/staff/issues/<int:issue_id>/category"): "official",
    ("POST", "/staff/issues/<int:issue_id>/<any(hide, unhide):action>"): "official",
    ("POST", "/staff/updates/<int:event_id>/<any(hide, unhide):action>"): "official",
    ("POST", "/staff/photos/<int:photo_id>/<any(hide, unhide):action>"): "official",
    ("GET", "/staff/admin/statuses"): "admin",
    ("POST", "/staff/admin/statuses"): "admin",
    ("POST", "/staff/admin/statuses/<code>/update"): "admin",
    ("POST", "/staff/admin/statuses/<code>/move"): "admin",
    ("POST", "/staff/admin/statuses/<code>/delete"): "admin",
    ("GET", "/staff/admin/categories"): "admin",
    ("POST", "/staff/admin/categories"): "admin",
    ("POST", "/staff/admin/categories/<code>/update"): "admin",
    ("POST", "/staff/admin/categories/<code>/move"): "admin",
    ("POST", "/staff/admin/categories/<code>/delete"): "admin",
    ("GET", "/staff/admin/moderation"): "admin",
    ("GET", "/staff/admin/audit"): "admin",
    ("GET", "/staff/admin/blocks"): "admin",
    ("POST", "/staff/admin/blocks/accounts"): "admin",
    ("POST", "/staff/admin/blocks/domains"): "admin",
    ("POST", "/staff/admin/blocks/domains/<int:domain_id>/delete"): "admin",
    ("POST", "/api/v1/issues/<int:issue_id>/status"): "official",
    ("POST", "/api/v1/issues/<int:issue_id>/duplicate-of"): "official",
    # part B: dashboard and exports
    ("GET", "/staff/dashboard"): "official",
    ("GET", "/staff/dashboard/heat.json"): "official",
    ("POST", "/staff/dashboard/bulk-status"): "official",
    ("GET", "/staff/exports/issues.csv"): "official",
    ("GET", "/staff/exports/issues.geojson"): "official",
    ("GET", "/api/v1/exports/issues.csv"): "official",
    ("GET", "/api/v1/exports/issues.geojson"): "official",
    # funding: cost estimates, groups and matches
    ("POST", "/staff/issues/<int:issue_id>/estimate"): "official",
    ("PUT", "/api/v1/issues/<int:issue_id>/estimate"): "official",
    # who may vote: the city's census of each area (issue 19, item 1)
    ("GET", "/staff/census"): "official",
    ("POST", "/staff/census"): "official",
    ("POST", "/api/v1/areas/<int:area_id>/census"): "official",
    ("GET", "/groups/new"): "official",
    ("POST", "/groups/new"): "official",
    ("POST", "/pools/<int:pool_id>/match"): "official",
    # who runs a group: the city appoints its members as admins (its treasurers) and removes them
    ("POST", "/groups/<int:group_id>/admins"): "official",
    ("POST", "/groups/<int:group_id>/admins/<int:user_id>/remove"): "official",
    ("PUT", "/api/v1/groups/<int:group_id>/admins/<int:user_id>"): "official",
    ("DELETE", "/api/v1/groups/<int:group_id>/admins/<int:user_id>"): "official",
    # the city's matching periods (issue 18): creating and closing one
    ("GET", "/matching-periods/new"): "official",
    ("POST", "/matching-periods/new"): "official",
    ("POST", "/matching-periods/<int:period_id>/close"): "official",
    ("GET", "/matching-periods/<int:period_id>/edit"): "official",
    ("POST", "/matching-periods/<int:period_id>/edit"): "official",
    # residents' flags: the moderators' queue and its resolution
    ("GET", "/staff/flags"): "official",
    (
        "POST",
        "/staff/flags/<any(issue, update, photo):target_type>/<int:target_id>/<any(hide, dismiss):action>",
    ): ("official"),
    ("GET", "/api/v1/flags"): "official",
    # the officials' desk: assignment, internal notes, teams and target times (issue 15)
    ("POST", "/staff/issues/<int:issue_id>/assign"): "official",
    ("POST", "/staff/issues/<int:issue_id>/notes"): "official",
    ("GET", "/staff/admin/desk"): "admin",
    ("POST", "/staff/admin/teams"): "admin",
    ("POST", "/staff/admin/teams/<int:team_id>/delete"): "admin",
    ("POST", "/staff/admin/teams/<int:team_id>/members"): "admin",
    ("POST", "/staff/admin/teams/<int:team_id>/members/<int:user_id>/delete"): "admin",
    ("POST", "/staff/admin/targets/<code>"): "admin",
    ("POST", "/api/v1/flags/<target_type>/<int:target_id>/resolution"): "official",
    # following the money to the fix (issue 18, item 4): payouts and the remainder's return
    ("POST", "/staff/issues/<int:issue_id>/payouts"): "official",
    ("POST", "/staff/issues/<int:issue_id>/remainder-return"): "official",
    ("POST", "/api/v1/issues/<int:issue_id>/payouts"): "official",
    ("POST", "/api/v1/issues/<int:issue_id>/remainder-return"): "official",
    # the city's cashier: pending backings confirmed or cancelled (issue 18 item 2 follow-up)
    ("GET", "/staff/backings"): "official",
    ("POST", '/staff/backings/<int:backing_id>/<any(confirm, cancel, "paid-back"):step>'): "official",
    ("POST", "/staff/returns/<int:line_id>/paid-back"): "official",
    ("GET", "/api/v1/backings/pending"): "official",
    ("POST", "/api/v1/backings/<int:backing_id>/confirmation"): "official",
    ("POST", "/api/v1/backings/<int:backing_id>/cancellation"): "official",
}


def staff_routes(app: Flask) -> set[tuple[str, str]]:
    found = set()
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if not (
            rule.rule.startswith("/staff")
            or getattr(view, "required_roles", None)
            or (rule.rule.startswith("/api/") and STAFF_API_MARKERS.search(rule.rule))
        ):
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.add((method, rule.rule))
    return found


def test_every_staff_route_is_in_the_table(app: Flask) -> None:
    routes = staff_routes(app)
    missing = sorted(routes - set(TABLE))
    assert not missing, f"staff routes without a row in the role x route table: {missing}"
    stale = sorted(set(TABLE) - routes)
    assert not stale, f"rows for routes the app no longer serves: {stale}"


def test_admin_only_rules_match_the_views(app: Flask) -> None:
    """The table and the views' own declarations agree about which routes are admin-only."""
    by_rule = {rule.rule: app.view_functions[rule.endpoint] for rule in app.url_map.iter_rules()}
    for (_, rule), least in TABLE.items():
        declared = getattr(by_rule[rule], "required_roles", None)
        if declared is not None:
            assert ("official" in declared) == (least == "official"), rule


@pytest.fixture
def targets(
    app: Flask,
    make_issue: Callable[..., Any],
    make_user: Callable[..., Any],
    client: FlaskClient,
    auth: AuthActions,
) -> dict[str, str]:
    """Concrete values for the rules' parameters: a real issue, update, photo and blocked domain."""
    issue = make_issue()
    client.post(
        f"/api/v1/issues/{issue.id}/updates",
        data={"text": "An update.", "photo": (io.BytesIO(jpeg_with_gps()), "u.jpg")},
        content_type="multipart/form-data",
        headers=auth.headers(role="resident"),
    )
    admin = make_user(role="admin")
    with app.app_context():
        event_id = db.session.scalar(select(IssueEvent.id).where(IssueEvent.issue_id == issue.id))
        photo_id = db.session.scalar(select(Photo.id).where(Photo.issue_id == issue.id))
        domain = blocking.block_domain(db.session, db.session.merge(admin), "blocked.example")
        opens = utcnow() + timedelta(days=1)
        period = MatchingPeriod(
            name="Spring",
            opens_at=opens,
            closes_at=opens + timedelta(days=30),
            fund_cents=10_000,
            problem_cap_cents=5_000,
            backer_cap_cents=1_000,
        )
        db.session.add(period)
        db.session.commit()
        domain_id, period_id = domain.id, period.id
    return {
        "issue_id": str(issue.id),
        "event_id": str(event_id),
        "photo_id": str(photo_id),
        "domain_id": str(domain_id),
        "code": "planned",
        "action": "hide",
        "pool_id": "999999",
        "period_id": str(period_id),  # a real one: its change page is a GET
        "target_type": "issue",
        "target_id": str(issue.id),
        "team_id": "999999",
        "user_id": "999999",
        "group_id": "999999",
        "area_id": "999999",
        "backing_id": "999999",
        "line_id": "999999",
        "step": "confirm",
    }


def concrete(rule: str, values: dict[str, str]) -> str:
    return re.sub(r"<(?:[a-z]+(?:\([^)]*\))?:)?([a-z_]+)>", lambda m: values[m.group(1)], rule)


def allowed(role: str, least: str) -> bool:
    return role == "admin" or (role == "official" and least == "official")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "rule"), sorted(TABLE))
def test_role_x_route(
    client: FlaskClient,
    auth: AuthActions,
    make_user: Callable[..., Any],
    targets: dict[str, str],
    role: str,
    method: str,
    rule: str,
) -> None:
    least = TABLE[(method, rule)]
    url = concrete(rule, targets)
    is_api = rule.startswith("/api/")
    headers: dict[str, str] = {}
    if role != "anonymous":
        user = (
            make_user(role="official", is_blocked=True)
            if role == "blocked official"
            else make_user(role=role)
        )
        if is_api:
            headers = auth.headers(user)
        else:
            auth.login_as(user)

    body = {} if is_api and method != "GET" else None
    response = client.open(url, method=method, headers=headers, json=body)
    response.close()

    status = response.status_code
    if role == "anonymous":
        # A page's GET goes to the login form (staff pages, /groups/new, /matching-periods/new, ...);
        # the API, .json routes and any other method answer 401.
        if method == "GET" and (rule.startswith("/staff") or not (is_api or rule.endswith(".json"))):
            assert status == 302
            assert "/account/login" in response.headers["Location"]
        else:
            assert status == 401
            if is_api:
                assert response.get_json()["error"]["code"] == "unauthenticated"
    elif role == "blocked official":
        # Neither reads nor acts (found from outside: four staff pages still showed residents' data).
        assert status in (401, 403) if is_api else status == 403
        if status == 403:
            assert "This account is blocked." in response.get_data(as_text=True)
    elif not allowed(role, least):
        assert status == 403
        if is_api:
            assert response.get_json()["error"]["code"] == "forbidden"
    else:
        assert status not in (401, 403)
        assert status < 500
        if method == "GET":
            assert status == 200


def test_a_blocked_official_reads_the_site_as_the_public_does(
    client: FlaskClient, auth: AuthActions, make_user: Callable[..., Any], make_issue: Callable[..., Any]
) -> None:
    """Found from outside: a blocked official's login landed on the staff desk (403) and every
    problem page was a 403 too, the page built for staff, while the banner said the account could
    still read the site."""
    official = make_user(role="official", is_blocked=True)
    issue = make_issue()
    hidden = make_issue()
    with client.application.app_context():
        db.session.execute(update(Issue).where(Issue.id == hidden.id).values(is_hidden=True))
        db.session.commit()

    landed = auth.login(official.email)
    assert landed.status_code == 302
    assert landed.headers["Location"] == "/"

    page = client.get(f"/issues/{issue.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'id="staff-panel"' not in text
    assert "Staff desk" not in text
    assert client.get(f"/issues/{hidden.id}").status_code == 404  # hidden from the public
    assert client.get("/staff/").status_code == 403


def test_a_refused_role_is_told_whose_page_it_is(
    client: FlaskClient, auth: AuthActions, make_user: Callable[..., Any]
) -> None:
    """Found from outside: an official sent to an admin page read only "not allowed"."""
    auth.login_as(make_user(role="official"))
    refused = client.get("/staff/admin/statuses")
    assert refused.status_code == 403
    assert "This is for the site&#39;s admins only." in refused.get_data(as_text=True)
    auth.login_as(make_user())
    assert "This is for city officials and admins only." in client.get("/staff/dashboard").get_data(
        as_text=True
    )
