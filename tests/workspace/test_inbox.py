"""The staff inbox: new since the last visit, overdue against each category's target, flagged, mine."""

# ruff: noqa: F811  (fixtures are imported, then requested by name)

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import User
from app.services.workflow import flags
from app.services.workspace import assignment, inbox, targets, teams
from tests.conftest import AuthActions
from tests.funding_fixtures import Funding, funding  # noqa: F401  (fixture)

MakeIssue = Callable[..., Any]
MakeUser = Callable[..., User]
NOW = datetime(2026, 12, 3, 8, 0)
GAP = timedelta(minutes=30)


def _user(user_id: int) -> User:
    found = db.session.get(User, user_id)
    assert found is not None
    return found


def test_a_visit_remembers_the_one_before_and_a_reload_is_the_same_visit(
    app: Flask, make_user: MakeUser
) -> None:
    official = make_user(role="official")
    with app.app_context():
        me = _user(official.id)
        assert inbox.record_visit(db.session, me, NOW, GAP) == (NOW - timedelta(days=7), True)
        assert inbox.record_visit(db.session, me, NOW + timedelta(minutes=10), GAP) == (
            NOW - timedelta(days=7),
            True,
        )
        later = NOW + timedelta(hours=20)
        assert inbox.record_visit(db.session, me, later, GAP) == (NOW, False)
        # Reloading during the visit keeps showing what was new since the previous one.
        assert inbox.record_visit(db.session, me, later + timedelta(minutes=5), GAP) == (NOW, False)
        assert inbox.record_visit(db.session, me, later + timedelta(days=1), GAP) == (later, False)


def test_the_four_sections_count_and_list_the_right_reports(
    app: Flask, make_issue: MakeIssue, make_user: MakeUser, stamp: Any
) -> None:
    me = make_user(role="official", display_name="Olivia")
    other = make_user(role="official", display_name="Omar")
    admin = make_user(role="admin")
    flagger1, flagger2 = make_user(), make_user()
    since = NOW - timedelta(days=1)

    fresh = make_issue(title="Fresh", created_at=NOW - timedelta(hours=2))
    pothole_4d = make_issue(title="Pothole 4 days", category="pothole", created_at=NOW - timedelta(days=4))
    lamp_4d = make_issue(title="Lamp 4 days", category="streetlight", created_at=NOW - timedelta(days=4))
    lamp_8d = make_issue(title="Lamp 8 days", category="streetlight", created_at=NOW - timedelta(days=8))
    fixed_old = make_issue(title="Fixed old", category="pothole", created_at=NOW - timedelta(days=20))
    stamp(fixed_old.id, status="fixed")
    mine = make_issue(title="Mine", created_at=NOW - timedelta(days=2))
    my_team = make_issue(title="My team's", created_at=NOW - timedelta(days=2))
    others = make_issue(title="Omar's", created_at=NOW - timedelta(days=2))
    mine_closed = make_issue(title="Mine but closed", created_at=NOW - timedelta(days=2))
    stamp(mine_closed.id, status="closed")

    with app.app_context():
        boss, olivia = _user(admin.id), _user(me.id)
        targets.set_target(db.session, boss, "pothole", 3)
        team = teams.create_team(db.session, boss, "Roads")
        teams.add_member(db.session, boss, team.id, me.email)
        assignment.assign(db.session, olivia, mine.id, f"user:{me.id}")
        assignment.assign(db.session, olivia, my_team.id, f"team:{team.id}")
        assignment.assign(db.session, olivia, others.id, f"user:{other.id}")
        assignment.assign(db.session, olivia, mine_closed.id, f"user:{me.id}")
        for who in (flagger1, flagger2):
            flags.flag(db.session, _user(who.id), lamp_4d.id, reason="spam")
        flags.flag(db.session, _user(flagger1.id), fresh.id, reason="abusive")
        flags.flag(db.session, _user(flagger2.id), mine.id, reason="abusive")
        flags.resolve(db.session, boss, "issue", mine.id, "dismiss")
        db.session.commit()

        found = inbox.build_inbox(db.session, olivia, NOW, since, default_days=7)

    assert [r.id for r in found.new.rows] == [fresh.id]
    assert found.new.count == 1
    assert {r.id for r in found.overdue.rows} == {pothole_4d.id, lamp_8d.id}
    assert [r.id for r in found.overdue.rows] == [lamp_8d.id, pothole_4d.id]  # the longest waiting first
    assert [r.extra for r in found.overdue.rows] == [8, 4]
    assert [(r.id, r.extra) for r in found.flagged.rows] == [(lamp_4d.id, 2), (fresh.id, 1)]
    assert found.flagged.count == 2
    assert {r.id for r in found.mine.rows} == {mine.id, my_team.id}
    assert found.mine.count == 2


def test_counts_go_past_the_listed_rows(app: Flask, make_issue: MakeIssue, make_user: MakeUser) -> None:
    official = make_user(role="official")
    for n in range(inbox.SHOWN + 3):
        make_issue(title=f"New {n}", created_at=NOW - timedelta(minutes=n + 1))
    with app.app_context():
        found = inbox.build_inbox(db.session, _user(official.id), NOW, NOW - timedelta(days=1), 7)
    assert found.new.count == inbox.SHOWN + 3
    assert len(found.new.rows) == inbox.SHOWN
    assert found.new.rows[0].title == "New 0"


def test_residents_get_no_inbox(app: Flask, make_user: MakeUser) -> None:
    resident = make_user()
    with app.app_context(), pytest.raises(Exception, match="Only city officials"):
        inbox.build_inbox(db.session, _user(resident.id), NOW, NOW, 7)


def test_the_inbox_page_shows_counts_links_and_the_desk(
    app: Flask, client: FlaskClient, auth: AuthActions, make_issue: MakeIssue, make_user: MakeUser
) -> None:
    fresh = make_issue(title="Bench broken")
    official = make_user(role="official", display_name="Olivia")
    auth.login_as(official)
    html = client.get("/staff/").get_data(as_text=True)
    assert "<h1>Inbox</h1>" in html
    assert 'data-count="new">1<' in html
    assert f'href="/issues/{fresh.id}#staff-panel">#{fresh.id} <bdi>Bench broken</bdi></a>' in html
    assert 'href="/staff/flags"' in html
    # Found from outside: "New in the last 7 days:" stood over all four tiles (overdue ones wait for
    # months), and "All new reports on the dashboard" listed one more (its filter takes whole days).
    assert "New: the reports of the last 7 days. The others: what waits now." in html
    assert 'on, on the dashboard</a> <span class="muted">(from the start of that day)</span>' in html
    assert "Teams and target times" not in html  # an admin's link
    auth.login_as(make_user(role="admin"))
    admin_inbox = client.get("/staff/").get_data(as_text=True)
    assert "Teams and target times" in admin_inbox
    assert 'href="/staff/admin/categories">Categories</a>' in admin_inbox  # found from outside: missing


def test_hidden_reports_do_not_nag_as_new_overdue_or_mine_but_stay_flagged(
    app: Flask, make_issue: MakeIssue, make_user: MakeUser, stamp: Any
) -> None:
    """A report moderated away is done with, except in the flagged section, where its open flags still
    wait for a moderator (the flag queue lists them too); every count agrees with its rows."""
    me = make_user(role="official")
    flagger = make_user()
    since = NOW - timedelta(days=1)
    new_hidden = make_issue(title="New hidden", created_at=NOW - timedelta(hours=1))
    old_hidden = make_issue(title="Old hidden", created_at=NOW - timedelta(days=30))
    mine_hidden = make_issue(title="Mine hidden", created_at=NOW - timedelta(days=2))
    flagged_hidden = make_issue(title="Flagged hidden", created_at=NOW - timedelta(days=2))
    old_visible = make_issue(title="Old visible", created_at=NOW - timedelta(days=20))
    with app.app_context():
        olivia = _user(me.id)
        assignment.assign(db.session, olivia, mine_hidden.id, f"user:{me.id}")
        flags.flag(db.session, _user(flagger.id), flagged_hidden.id, reason="spam")
        db.session.commit()
    for hidden in (new_hidden, old_hidden, mine_hidden, flagged_hidden):
        stamp(hidden.id, is_hidden=True)

    with app.app_context():
        found = inbox.build_inbox(db.session, _user(me.id), NOW, since, default_days=7)

    assert ([r.id for r in found.new.rows], found.new.count) == ([], 0)
    assert ([r.id for r in found.overdue.rows], found.overdue.count) == ([old_visible.id], 1)
    assert ([r.id for r in found.mine.rows], found.mine.count) == ([], 0)
    assert [(r.id, r.hidden) for r in found.flagged.rows] == [(flagged_hidden.id, True)]
    assert found.flagged.count == 1


def test_a_problem_a_resident_says_is_not_fixed_waits_in_the_inbox_until_the_city_acts(
    client: FlaskClient, auth: AuthActions, make_issue: MakeIssue, make_user: MakeUser
) -> None:
    """Found from outside: "It is not fixed" told the resident "the city has been told", yet no official
    was: the reopened report sat among hundreds of overdue ones."""
    reopened, other = make_issue(title="Hole is back"), make_issue(title="Still fixed")
    staff = auth.headers(role="official")
    for issue in (reopened, other):
        fixed = client.post(
            f"/api/v1/issues/{issue.id}/status", json={"status": "fixed", "note": "Done."}, headers=staff
        )
        assert fixed.status_code == 200
    said = client.post(
        f"/api/v1/issues/{reopened.id}/not-fixed",
        json={"note": "It is back."},
        headers=auth.headers(make_user()),
    )
    assert said.status_code == 200
    official = make_user(role="official")
    auth.login_as(official)

    html = client.get("/staff/").get_data(as_text=True)

    assert 'data-count="reopened">1<' in html
    section = html.split('id="reopened"')[1].split("</section>")[0]
    assert f"#{reopened.id} <bdi>Hole is back</bdi>" in section
    assert "Still fixed" not in section

    acted = client.post(
        f"/staff/issues/{reopened.id}/status", data={"status": "acknowledged", "note": "Crew again."}
    )
    assert acted.status_code == 302
    assert 'data-count="reopened">0<' in client.get("/staff/").get_data(as_text=True)


def test_a_group_admins_own_pledge_is_on_the_officials_desk(
    client: FlaskClient, auth: AuthActions, make_user: MakeUser, funding: Funding
) -> None:
    """Found from outside: a treasurer's own pledge waits for another admin or an official, and nothing
    on the desk led an official to it."""
    ref = funding.group()
    treasurer = funding.member(ref, admin=True)
    funding.pledge(ref, treasurer, 700, confirm=False)
    funding.pledge(ref, funding.member(ref), 500, confirm=False)  # a member's: the treasurer's to confirm
    auth.login_as(make_user(role="official"))

    html = client.get("/staff/").get_data(as_text=True)

    section = html.split('id="own-pledges"')[1].split("</section>")[0]
    assert f'href="/pools/{ref.pool_id}/treasurer"' in section
    assert "1 pledge waiting" in section

    # Found from outside: a group run by officials alone had its pledges wait unseen.
    unrun = funding.group(name="Run by the city")
    funding.pledge(unrun, funding.member(unrun), 300, confirm=False)
    section = client.get("/staff/").get_data(as_text=True).split('id="own-pledges"')[1].split("</section>")[0]
    assert f'href="/pools/{unrun.pool_id}/treasurer">Run by the city</a>: 1 pledge waiting' in section
