"""The problem page: what it is, its status, where and its photo come first; Like and Follow side by side;
the updates feed in a Subscribe menu; a duplicate points to its original instead of offering support."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from app.extensions import db
from app.models import Issue, User
from app.services.workflow import duplicates
from tests.conftest import AuthActions
from tests.images import jpeg_with_gps
from tests.testcity import OLD_TOWN

MakeIssue = Callable[..., Issue]
MakeUser = Callable[..., User]

HEBREW_TITLE = "בור גדול ברחוב הרצל"  # "A big hole in Herzl Street"
ARABIC_PARAGRAPH = "حفرة كبيرة أمام المخبز"  # "A big hole in front of the bakery"


def report_with_photo(client: FlaskClient, auth: AuthActions, reporter: User) -> int:
    response = client.post(
        "/api/v1/issues",
        data={
            **{k: str(v) for k, v in OLD_TOWN.latlon.items()},
            "category": "dumping",
            "title": "Mattresses dumped",
            "description": "Since Monday, behind the bakery.",
            "photo": (io.BytesIO(jpeg_with_gps()), "p.jpg"),
        },
        content_type="multipart/form-data",
        headers=auth.headers(reporter),
    )
    assert response.status_code == 201, response.get_json()
    return int(response.get_json()["properties"]["id"])


def merge(app: Flask, official: User, duplicate_id: int, original_id: int) -> None:
    with app.app_context():
        actor = db.session.get(User, official.id)
        assert actor is not None
        duplicates.mark_duplicate(db.session, actor, duplicate_id, original_id)
        db.session.commit()


def test_title_status_place_and_photo_come_before_the_actions_and_the_description(
    client: FlaskClient, auth: AuthActions, make_user: MakeUser
) -> None:
    reporter = make_user()
    issue_id = report_with_photo(client, auth, reporter)
    auth.login_as(make_user())

    html = client.get(f"/issues/{issue_id}").get_data(as_text=True)

    order = [
        html.index('<h1 class="issue__title" dir="auto">Mattresses dumped</h1>'),
        html.index('class="status-badge status-badge--open status--new'),
        html.index('<p class="issue__place">'),
        html.index('<img src="/issues/photos/'),
        html.index('class="issue__actions"'),
        html.index("Since Monday, behind the bakery."),
    ]
    assert order == sorted(order)
    place = html[html.index('<p class="issue__place">') :]
    assert re.match(
        r'<p class="issue__place"><span class="visually-hidden">Where: </span>'
        r'In <a href="/priorities\?area=\d+">Old Town</a>',
        place,
    )
    # The first photo is loaded at once (it is on screen), the status badge shows the status's symbol.
    first_photo = re.search(r'<img src="/issues/photos/[^"]+"[^>]*>', html)
    assert first_photo is not None
    assert 'loading="lazy"' not in first_photo.group(0)
    assert re.search(r'<use href="/static/img/statuses\.svg(\?v=[0-9a-f]+)?#status-new">', html)


def test_like_and_follow_sit_together_and_the_feed_is_in_a_subscribe_menu(
    client: FlaskClient, auth: AuthActions, make_user: MakeUser, make_issue: MakeIssue
) -> None:
    issue = make_issue()
    auth.login_as(make_user())

    html = client.get(f"/issues/{issue.id}").get_data(as_text=True)

    actions = html[html.index('class="issue__actions"') : html.index('<details class="subscribe">')]
    assert f'action="/issues/{issue.id}/like"' in actions
    assert f'action="/follows/issues/{issue.id}"' in actions
    assert "feeds" not in actions
    assert "atom" not in actions.lower()
    assert "Updates feed (Atom)" not in html
    menu = html[
        html.index('<details class="subscribe">') : html.index(
            "</details>", html.index('<details class="subscribe">')
        )
    ]
    assert '<summary class="subscribe__toggle">News feed</summary>' in menu
    assert re.search(rf'<a href="/feeds/issues/{issue.id}[^"]*" type="application/atom\+xml">', menu)


def test_a_closed_duplicate_links_to_its_original_instead_of_offering_like_and_follow(
    app: Flask, client: FlaskClient, auth: AuthActions, make_user: MakeUser, make_issue: MakeIssue
) -> None:
    original = make_issue(title="Deep pothole on Mill Lane")
    duplicate = make_issue(title="Hole in Mill Lane")
    merge(app, make_user(role="official"), duplicate.id, original.id)

    for viewer in (None, make_user()):
        auth.logout()
        if viewer is not None:
            auth.login_as(viewer)
        html = client.get(f"/issues/{duplicate.id}").get_data(as_text=True)

        assert 'class="issue__actions"' not in html
        assert f"/issues/{duplicate.id}/like" not in html
        assert f"/follows/issues/{duplicate.id}" not in html
        assert "Log in to like" not in html
        assert "Log in to follow" not in html
        note = html[html.index('<section class="duplicate-banner"') :]
        assert re.search(
            rf'closed as a duplicate of\s+<a class="duplicate-banner__link" href="/issues/{original.id}">'
            rf"#{original.id} <bdi>Deep pothole on Mill Lane</bdi></a>",
            note,
        )
        # The original still offers both.
        page = client.get(f"/issues/{original.id}").get_data(as_text=True)
        assert 'class="issue__actions"' in page


def test_a_duplicate_of_a_hidden_report_names_no_link_to_it(
    app: Flask, client: FlaskClient, make_user: MakeUser, make_issue: MakeIssue
) -> None:
    original = make_issue(title="Something a moderator hid")
    duplicate = make_issue()
    merge(app, make_user(role="official"), duplicate.id, original.id)
    with app.app_context():
        db.session.execute(update(Issue).where(Issue.id == original.id).values(is_hidden=True))
        db.session.commit()

    html = client.get(f"/issues/{duplicate.id}").get_data(as_text=True)

    start = html.index('<section class="duplicate-banner"')
    note = html[start : html.index("</section>", start)]
    assert "This report is closed as a duplicate of another one." in note
    assert f'href="/issues/{original.id}"' not in note
    assert f"/issues/{duplicate.id}/like" not in html


def test_a_report_closed_as_duplicate_without_a_pointer_offers_no_like_either(
    client: FlaskClient, make_issue: MakeIssue
) -> None:
    issue = make_issue(status="duplicate")

    html = client.get(f"/issues/{issue.id}").get_data(as_text=True)

    assert "This report is closed as a duplicate of another one." in html
    assert "Log in to like" not in html


def test_staff_see_estimated_cost_once(
    client: FlaskClient, auth: AuthActions, make_user: MakeUser, make_issue: MakeIssue
) -> None:
    issue = make_issue()
    auth.login_as(make_user(role="official"))

    html = client.get(f"/issues/{issue.id}").get_data(as_text=True)

    assert html.count("Estimated cost") == 1
    assert re.search(r"<label[^>]*>New estimate</label>", html)


def test_each_label_of_the_staff_panel_names_a_field_of_its_own(
    client: FlaskClient, auth: AuthActions, make_user: MakeUser, make_issue: MakeIssue
) -> None:
    issue = make_issue()
    auth.login_as(make_user(role="official"))

    html = client.get(f"/issues/{issue.id}").get_data(as_text=True)

    ids = re.findall(r'<(?:input|textarea|select)\b[^>]*\bid="([^"]+)"', html)
    targets = re.findall(r'<label\b[^>]*\bfor="([^"]+)"', html)
    assert "Public note (optional)" in html
    assert "Reason (kept in the moderation log)" in html
    # A label whose id two fields share names only the first: the second field goes unnamed.
    assert [t for t in targets if ids.count(t) != 1] == []


def test_a_residents_words_take_their_own_direction(client: FlaskClient, make_issue: MakeIssue) -> None:
    """Found from outside: a Hebrew or Arabic title and description were shown left to right, as the
    page is. dir="auto" gives each the direction of its first strong letter, paragraph by paragraph;
    lists show a title isolated (<bdi>) from the words around it."""
    issue = make_issue(title=HEBREW_TITLE, description=f"{ARABIC_PARAGRAPH}\n\nSince Monday.")

    html = client.get(f"/issues/{issue.id}").get_data(as_text=True)
    assert f'<h1 class="issue__title" dir="auto">{HEBREW_TITLE}</h1>' in html
    assert f'<p dir="auto">{ARABIC_PARAGRAPH}</p>' in html
    assert '<p dir="auto">Since Monday.</p>' in html

    priorities = client.get("/priorities").get_data(as_text=True)
    assert f"<bdi>{HEBREW_TITLE}</bdi></a>" in priorities
