"""Who runs a group: officials appoint its members as admins (its treasurers) and remove them, by API
and on the group's page (found from outside: no page or API could appoint one; only the demo seed
made group admins, so a group created at /groups/new was run by officials alone). Both engines; the
role x route rows are in tests/test_staff_access.py."""

# ruff: noqa: F811  (fixtures are imported, then requested by name)

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry, User
from app.services.workspace.audit_phrases import Facts
from app.services.workspace.audit_words import describe
from tests.conftest import AuthActions
from tests.funding_fixtures import Funding, funding  # noqa: F401


def admins_url(group_id: int, user_id: int) -> str:
    return f"/api/v1/groups/{group_id}/admins/{user_id}"


def treasurer_page(client: FlaskClient, auth: AuthActions, user: User, pool_id: int) -> int:
    auth.login_as(user)
    return client.get(f"/pools/{pool_id}/treasurer").status_code


def audit_actions(app: Flask) -> list[tuple[str, str]]:
    with app.app_context():
        rows = db.session.execute(
            select(AuditEntry.action, AuditEntry.target_type, AuditEntry.target_id, AuditEntry.details)
            .where(AuditEntry.action.like("group.%"))
            .order_by(AuditEntry.id)
        ).all()
        facts = [Facts(r.action, r.target_type, str(r.target_id), r.details or {}) for r in rows]
        return [(f.action, describe(f, {}).text) for f in facts]


def test_an_official_appoints_a_member_who_then_runs_the_group_and_removes_them(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    funding: Funding,
    make_user: Callable[..., User],
) -> None:
    ref = funding.group(name="Elm Park neighbours")
    rita = funding.member(ref, display_name="Rita")
    city = auth.headers(make_user(role="official"))
    api = app.test_client()  # a program with the token; `client` is Rita's browser
    assert treasurer_page(client, auth, rita, ref.pool_id) == 403

    first = api.put(admins_url(ref.group_id, rita.id), headers=city)
    again = api.put(admins_url(ref.group_id, rita.id), headers=city)

    assert (first.status_code, again.status_code) == (200, 200)
    assert first.get_json() == {
        "group_id": ref.group_id,
        "admins": [{"user_id": rita.id, "display_name": "Rita"}],
    }
    assert treasurer_page(client, auth, rita, ref.pool_id) == 200
    removed = api.delete(admins_url(ref.group_id, rita.id), headers=city)
    assert removed.get_json()["admins"] == []
    assert treasurer_page(client, auth, rita, ref.pool_id) == 403
    # Once each way, in words: setting what already holds audits nothing.
    assert audit_actions(app) == [
        ("group.admin_appoint", "made Rita an admin of the group Elm Park neighbours"),
        ("group.admin_remove", "removed Rita as an admin of the group Elm Park neighbours"),
    ]


def test_only_the_city_appoints_and_only_members_of_the_group(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    funding: Funding,
    make_user: Callable[..., User],
) -> None:
    ref = funding.group()
    admin_of_group = funding.member(ref, admin=True)
    member = funding.member(ref)
    outsider = make_user()
    blocked = funding.member(ref)
    official = make_user(role="official")
    with app.app_context():
        db.session.get(User, blocked.id).is_blocked = True  # type: ignore[union-attr]
        db.session.commit()

    # A group's own admin runs its money but does not choose who else does.
    refused = client.put(admins_url(ref.group_id, member.id), headers=auth.headers(admin_of_group))
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (403, "forbidden")
    assert client.put(admins_url(ref.group_id, member.id), headers=auth.headers(member)).status_code == 403
    assert client.put(admins_url(ref.group_id, member.id)).status_code == 401

    not_member = client.put(admins_url(ref.group_id, outsider.id), headers=auth.headers(official))
    assert (not_member.status_code, not_member.get_json()["error"]["field"]) == (404, "user_id")
    no_group = client.put(admins_url(999_999, member.id), headers=auth.headers(official))
    assert (no_group.status_code, no_group.get_json()["error"]["field"]) == (404, "group_id")
    blocked_answer = client.put(admins_url(ref.group_id, blocked.id), headers=auth.headers(official))
    assert (blocked_answer.status_code, blocked_answer.get_json()["error"]["field"]) == (409, "user_id")
    assert audit_actions(app) == []


def test_the_group_page_shows_officials_who_runs_it_and_appoints_by_address(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    funding: Funding,
    make_user: Callable[..., User],
) -> None:
    ref = funding.group()
    sam = funding.member(ref, display_name="Sam Okafor", email="sam@example.org")
    resident = make_user()
    auth.login_as(resident)
    assert 'data-testid="group-admins"' not in client.get(f"/groups/{ref.group_id}").get_data(as_text=True)

    auth.login_as(make_user(role="official"))
    page = client.get(f"/groups/{ref.group_id}").get_data(as_text=True)
    assert "No resident runs this group yet" in page
    unknown = client.post(
        f"/groups/{ref.group_id}/admins", data={"email": "nobody@example.org"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "No member of this group has the address nobody@example.org." in unknown
    appointed = client.post(
        f"/groups/{ref.group_id}/admins", data={"email": " SAM@example.org "}, follow_redirects=True
    ).get_data(as_text=True)
    assert "Sam Okafor is now an admin of this group." in appointed
    again = client.post(
        f"/groups/{ref.group_id}/admins", data={"email": "sam@example.org"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "Sam Okafor is already an admin of this group." in again  # found from outside: "now" again
    assert f'action="/groups/{ref.group_id}/admins/{sam.id}/remove"' in appointed

    removed = client.post(f"/groups/{ref.group_id}/admins/{sam.id}/remove", follow_redirects=True)
    assert "Sam Okafor no longer runs this group; they stay a member." in removed.get_data(as_text=True)
    assert "No resident runs this group yet" in removed.get_data(as_text=True)
