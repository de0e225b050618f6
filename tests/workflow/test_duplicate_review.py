"""Marking a duplicate from the staff panel: a review names both reports and what moves before anything
does; a closed original and a duplicate holding committed money are refused (found from outside: a typed
number merged a report into a closed one in another area, and a funded problem into an unrelated one)."""

# ruff: noqa: F811  (fixtures are imported, then requested by name)

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry, Issue, User
from app.services.issues import follows, likes
from app.services.kernel.errors import ValidationError
from app.services.workflow import duplicates, status_config
from tests.conftest import AuthActions
from tests.funding.round_world import RoundWorld, world  # noqa: F401
from tests.funding.test_payouts import funded_issue
from tests.funding_fixtures import funding  # noqa: F401
from tests.testcity import HILLSIDE, OLD_TOWN
from tests.workflow.issue_state import issue_state


def test_the_review_names_both_reports_and_what_moves_and_changes_nothing(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_issue: Callable[..., Any],
    make_user: Callable[..., Any],
) -> None:
    original = make_issue(place=HILLSIDE, title="Bench <broken> in the park", category="graffiti")
    duplicate = make_issue(place=OLD_TOWN, title="Pothole on Market Street", likes_from=3)
    with app.app_context():
        follows.follow(db.session, db.session.get(User, make_user().id), issue_id=duplicate.id)
        db.session.commit()
    auth.login_as(make_user(role="official"))
    before = issue_state(app, duplicate.id), issue_state(app, original.id)

    review = client.post(f"/staff/issues/{duplicate.id}/duplicate", data={"original_id": f"#{original.id}"})

    assert review.status_code == 200
    page = review.get_data(as_text=True)
    assert f"Close #{duplicate.id} as a duplicate of #{original.id}?" in page
    shown = page.split('data-testid="duplicate-review"')[1]
    assert "Pothole on Market Street" in shown
    assert "Bench &lt;broken&gt; in the park" in shown
    consequences = page.split('data-testid="duplicate-consequences"')[1].split("</ul>")[0]
    assert "in different areas" in consequences
    assert "in different categories" in consequences
    assert "3 likes and 2 followers move to" in consequences  # the reporter follows their report
    assert "refunded" not in consequences  # nobody backed it
    assert f'<input type="hidden" name="original_id" value="{original.id}">' in page
    assert 'name="confirm" value="yes"' in page
    assert (issue_state(app, duplicate.id), issue_state(app, original.id)) == before

    # "No, change it" brings the staff page back with the duplicate form as it was sent.
    changed = client.post(
        f"/staff/issues/{duplicate.id}/duplicate",
        data={"original_id": str(original.id), "note": "Same <hole>", "change": "yes"},
    )
    assert changed.status_code == 200
    again = changed.get_data(as_text=True)
    assert "Same &lt;hole&gt;" in again
    assert f'value="{original.id}"' in again
    # ... open, and the page taken to it (found from outside: it came back folded, far down a phone).
    opened = '<details class="staff-panel__group" open>\n    <summary autofocus>Mark as duplicate</summary>'
    assert opened in again
    assert again.count("autofocus") == 1
    assert (issue_state(app, duplicate.id), issue_state(app, original.id)) == before

    done = client.post(
        f"/staff/issues/{duplicate.id}/duplicate",
        data={"original_id": str(original.id), "confirm": "yes"},
        follow_redirects=True,
    )
    assert "Closed as a duplicate" in done.get_data(as_text=True)
    assert issue_state(app, duplicate.id)["duplicate_of"] == original.id


@pytest.mark.parametrize("confirm", ["", "yes"])
def test_an_original_no_longer_worked_on_is_refused(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_issue: Callable[..., Any],
    make_user: Callable[..., Any],
    confirm: str,
) -> None:
    closed, fixed = make_issue(status="closed"), make_issue(status="fixed")
    duplicate = make_issue(likes_from=2)
    auth.login_as(make_user(role="official"))
    before = issue_state(app, duplicate.id)
    for original in (closed, fixed):
        refused = client.post(
            f"/staff/issues/{duplicate.id}/duplicate",
            data={"original_id": str(original.id), "confirm": confirm},
        )
        assert refused.status_code == 422
        text = refused.get_data(as_text=True)
        assert f"Issue #{original.id} is " in text
        assert "Choose an open original, or reopen" in text
        # Found from outside: the page came back with "Edit title or description" empty and the
        # duplicate's note copied into the status form: only the sent form keeps what was sent.
        edit = text.split(f'action="/staff/issues/{duplicate.id}/edit"')[1].split("</form>")[0]
        assert f'value="{issue_state(app, duplicate.id)["title"]}"' in edit
        status_form = text.split(f'action="/staff/issues/{duplicate.id}/status"')[1].split("</form>")[0]
        assert "Same pothole" not in status_form
    assert issue_state(app, duplicate.id) == before


def test_a_problem_holding_committed_money_is_not_closed_as_a_duplicate(world: RoundWorld) -> None:
    funded = funded_issue(world)
    other = world.issues[1]
    assert world.official is not None
    with world.app.app_context():
        actor = db.session.get(User, world.official.id)
        for check in (duplicates.preview, duplicates.mark_duplicate):
            with pytest.raises(ValidationError) as refused:
                check(db.session, actor, funded, other)
            assert refused.value.field == "issue_id"
            assert f"Problem #{funded} holds EUR 30.00 committed to its fix" in str(refused.value)
        db.session.rollback()
    assert issue_state(world.app, funded)["duplicate_of"] is None


def test_a_status_holding_funded_problems_is_not_retyped_to_closed_or_fixed(world: RoundWorld) -> None:
    """Found from outside: retyping Planned to closed closed three funded problems at once, with their
    committed money neither paid out nor returned (each problem's own change is refused so)."""
    funded = funded_issue(world)
    site_admin = world.make_user(role="admin")
    with world.app.app_context():
        status = db.session.get(Issue, funded).status  # type: ignore[union-attr]
        admin = db.session.get(User, site_admin.id)
        for kind in ("closed", "fixed"):
            with pytest.raises(ValidationError) as refused:
                status_config.update_status(db.session, admin, status, "Planned", kind, confirm_retype=True)
            assert refused.value.field == "type"
            assert f"#{funded} (EUR 30.00)" in str(refused.value)
        db.session.rollback()


def test_the_review_counts_only_the_likes_and_followers_the_original_gains(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_issue: Callable[..., Any],
    make_user: Callable[..., Any],
) -> None:
    """Found from outside: a resident who followed both reports was counted as a follower who moves
    ("1 follower move"), while the merge's audit said 0 moved. Likes were counted the same way."""
    original = make_issue(title="Light out on Elm")
    duplicate = make_issue(title="Elm street light dark")
    both = make_user()
    with app.app_context():
        resident = db.session.get(User, both.id)
        for issue_id in (original.id, duplicate.id):
            follows.follow(db.session, resident, issue_id=issue_id)
            likes.like(db.session, resident, issue_id)
        db.session.commit()
    auth.login_as(make_user(role="official"))

    review = client.post(f"/staff/issues/{duplicate.id}/duplicate", data={"original_id": str(original.id)})

    consequences = review.get_data(as_text=True).split('data-testid="duplicate-consequences"')[1]
    # The duplicate's reporter follows it and not the original: the one follower who moves.
    assert "0 likes and 1 follower move to" in consequences.split("</ul>")[0]
    client.post(
        f"/staff/issues/{duplicate.id}/duplicate", data={"original_id": str(original.id), "confirm": "yes"}
    )
    with app.app_context():
        merged = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "issue.duplicate")).one()
        assert (merged.details["likes_moved"], merged.details["followers_added"]) == (0, 1)
