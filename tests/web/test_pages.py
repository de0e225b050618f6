"""The map, problem and Top priorities pages, and the account pages: what a resident sees."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from email.message import EmailMessage

from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import Area, Issue, Like, User
from app.services.issues.list_orders import RANKING_RULE
from tests.conftest import AuthActions
from tests.factories import unused_id
from tests.page_assets import offsite_assets
from tests.testcity import HILLSIDE, OLD_TOWN

MakeIssue = Callable[..., Issue]
MakeUser = Callable[..., User]


def text_of(html: str) -> str:
    """The page's visible text, roughly: tags dropped, whitespace squeezed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def ranked_titles(html: str) -> list[str]:
    return re.findall(
        r'class="ranked__title"[^>]*><span class="visually-hidden">[^<]*</span><bdi>([^<]*)</bdi></a>', html
    )


def test_the_map_page_uses_only_vendored_assets_and_offers_reporting(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)

    assert offsite_assets(html) == []
    for asset in (
        "/static/vendor/leaflet/leaflet.js",
        "/static/vendor/leaflet/leaflet.css",
        "/static/vendor/leaflet.markercluster/leaflet.markercluster.js",
        "/static/vendor/leaflet.markercluster/MarkerCluster.css",
        "/static/vendor/leaflet.markercluster/MarkerCluster.Default.css",
        "/static/js/map-page.js",
    ):
        assert re.search(rf'"{re.escape(asset)}\?v=[0-9a-f]{{16}}"', html), asset  # fingerprinted
    name = re.search(r'data-cf-map="(map_[0-9a-f]+)"', html)
    assert name is not None
    assert f"var {name.group(1)} = L.map(" in html  # our script finds folium's map by this name
    assert '<label for="filter-category">Category</label>' in html
    assert '<label for="filter-status">Status</label>' in html
    assert re.search(r'<option value="open" selected>Open problems</option>', html)
    # One status whose code is also a type's name is asked for by its code, not as the whole type.
    assert '<option value="code:closed" data-type="closed">' in html
    assert re.search(r'<a class="button button--report[^"]*" href="/issues/new">.*Report a problem</a>', html)
    assert '<meta name="csrf-token" content="' in html
    assert 'href="#main">Skip to content</a>' in html


def test_the_configured_tile_server_is_used(client: FlaskClient) -> None:
    client.application.config.update(
        TILE_URL="https://tiles.example.org/{z}/{x}/{y}.png", TILE_ATTRIBUTION="Ex"
    )

    html = client.get("/").get_data(as_text=True)

    assert '"https://tiles.example.org/{z}/{x}/{y}.png"' in html
    assert '"attribution": "Ex"' in html


def test_no_tile_layer_when_tiles_are_off(client: FlaskClient) -> None:
    client.application.config.update(TILE_URL="none")

    assert "L.tileLayer(" not in client.get("/").get_data(as_text=True)


def test_the_problem_page_shows_its_facts_and_a_login_link_to_like(
    client: FlaskClient, make_issue: MakeIssue, make_user: MakeUser
) -> None:
    reporter = make_user(display_name="Ines Reporter")
    issue = make_issue(
        reporter=reporter,
        title="Broken lamp",
        status="in-progress",
        likes_from=2,
        created_at=datetime(2026, 5, 3),
    )

    html = client.get(f"/issues/{issue.id}").get_data(as_text=True)
    text = text_of(html)

    assert "Broken lamp" in text
    assert "Status In progress (open)" in text
    assert "Category Pothole or road damage" in text
    assert "Area Old Town" in text
    assert "Reported by Ines Reporter" in text
    assert "Reported 3 May 2026" in text
    assert "2 likes" in text
    assert f'href="/account/login?next=/issues/{issue.id}">Log in to like</a>' in html
    assert "cf-pin--open" in html
    assert offsite_assets(html) == []


def test_a_missing_problem_is_a_friendly_404(client: FlaskClient) -> None:
    response = client.get("/issues/999999")

    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)
    assert "There is no issue 999999." in response.get_data(as_text=True)


def test_like_and_unlike_forms_work_without_javascript(
    client: FlaskClient,
    auth: AuthActions,
    make_user: MakeUser,
    make_issue: MakeIssue,
    count_rows: Callable[..., int],
) -> None:
    issue = make_issue()
    auth.login_as(make_user())

    page = client.get(f"/issues/{issue.id}").get_data(as_text=True)
    assert f'action="/issues/{issue.id}/like"' in page
    response = client.post(f"/issues/{issue.id}/like?next=/priorities")
    assert response.headers["Location"] == "/priorities"
    client.post(f"/issues/{issue.id}/like")  # a second like changes nothing
    assert count_rows(Like) == 1

    page = client.get(f"/issues/{issue.id}").get_data(as_text=True)
    assert re.search(r'data-liked="true"', page)
    assert ">Unlike</button>" in page
    assert "<strong data-like-count>1</strong> <span data-like-word>like</span>" in page

    response = client.post(f"/issues/{issue.id}/unlike?next=//evil.example.org/")
    assert response.headers["Location"] == f"/issues/{issue.id}"  # no open redirect
    assert count_rows(Like) == 0


def test_priorities_rank_open_problems_city_wide_and_per_area_and_state_the_rule(
    client: FlaskClient, make_issue: MakeIssue, city: dict[str, int]
) -> None:
    make_issue(title="Older tie", likes_from=2, created_at=datetime(2026, 1, 1))
    make_issue(title="Newer tie", likes_from=2, created_at=datetime(2026, 2, 1))
    make_issue(title="Most liked", place=HILLSIDE, likes_from=3, category="streetlight")
    make_issue(title="Fixed already", likes_from=9, status="fixed")

    html = client.get("/priorities").get_data(as_text=True)

    assert RANKING_RULE in html
    assert ranked_titles(html) == ["Most liked", "Older tie", "Newer tie"]
    assert re.findall(r'class="ranked__rank" aria-hidden="true">(\d+)<', html) == ["1", "2", "3"]
    assert "3 open problems." in text_of(html)

    in_old_town = client.get(f"/priorities?area={city['Old Town']}").get_data(as_text=True)
    assert "Top priorities in Old Town" in in_old_town
    assert ranked_titles(in_old_town) == ["Older tie", "Newer tie"]
    street_lights = client.get("/priorities?category=streetlight").get_data(as_text=True)
    assert ranked_titles(street_lights) == ["Most liked"]


def test_priorities_are_paginated(client: FlaskClient, make_issue: MakeIssue) -> None:
    for number in range(22):
        make_issue(title=f"Problem number {number}", place=OLD_TOWN)

    first = client.get("/priorities").get_data(as_text=True)
    second = client.get("/priorities?page=2").get_data(as_text=True)

    assert len(ranked_titles(first)) == 20
    assert len(ranked_titles(second)) == 2
    assert "Page 1 of 2" in first
    assert 'rel="next" href="/priorities?page=2"' in first
    assert '<ol class="ranked" start="21">' in second
    assert client.get("/priorities?page=3").status_code == 404


def test_an_unknown_area_or_category_filter_is_a_clear_422(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        missing = unused_id(db.session, Area)
    for query in (f"area={missing}", "area=abc", "category=volcano"):
        response = client.get(f"/priorities?{query}")
        assert response.status_code == 422
        assert "from the list." in response.get_data(as_text=True)


def confirmation_link(mail: EmailMessage) -> str:
    found = re.search(r"https?://\S+/account/confirm/\S+", mail.get_body().get_content())  # type: ignore[union-attr]
    assert found is not None, "no confirmation link in the mail"
    return found.group(0)


def test_register_confirm_log_out_and_log_in_again(
    client: FlaskClient, outbox: Callable[[], list[EmailMessage]]
) -> None:
    form = client.get("/account/register").get_data(as_text=True)
    for label in ("Email", "Display name", "Password", "Repeat password"):
        assert re.search(rf'<label class="field__label" for="\w+">{label}</label>', form)

    response = client.post(
        "/account/register?next=/issues/new",
        data={
            "email": "Nia@Example.org",
            "display_name": "Nia",
            "password": "long enough!",
            "confirm": "long enough!",
        },
    )
    assert response.status_code == 200
    assert "We sent a message to <strong>nia@example.org</strong>" in response.get_data(as_text=True)
    assert ">Log in</a>" in client.get("/priorities").get_data(as_text=True)  # not logged in yet

    link = confirmation_link(outbox()[-1]).replace("http://localhost", "")
    assert "Confirm my address" in client.get(link).get_data(as_text=True)  # a page, not yet a change
    confirmed = client.post(link)
    assert confirmed.status_code == 302
    page = client.get("/priorities").get_data(as_text=True)
    assert '<span class="visually-hidden">My Commonfix: </span>Nia</a>' in page
    assert ">Log out</button>" in page

    client.post("/account/logout")
    assert ">Log in</a>" in client.get("/priorities").get_data(as_text=True)

    wrong = client.post("/account/login", data={"email": "nia@example.org", "password": "not it"})
    assert wrong.status_code == 422
    assert "Wrong email or password." in wrong.get_data(as_text=True)
    right = client.post("/account/login", data={"email": "nia@example.org", "password": "long enough!"})
    assert right.status_code == 302


def test_registration_errors_are_named_on_their_fields(client: FlaskClient, make_user: MakeUser) -> None:
    make_user(email="taken@example.org")

    response = client.post(
        "/account/register",
        data={"email": "taken@example.org", "display_name": "", "password": "short", "confirm": "other"},
    )

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(r'id="display_name-error">Display name is required.<', html)
    assert re.search(r'id="password-error">Password must be 8 to 200 characters long.<', html)
    assert re.search(r'id="confirm-error">The passwords differ.<', html)

    # Every field's refusal at once, the address's and a guessable password's included (found from
    # outside: they came one submit after the others).
    response = client.post(
        "/account/register",
        data={"email": "not-an-email", "display_name": "Nia", "password": "password", "confirm": "x"},
    )
    html = response.get_data(as_text=True)
    assert re.search(r'id="email-error">Email must be a valid address like name@example.org. ', html)
    assert re.search(r'id="password-error">Password is too easy to guess', html)
    assert re.search(r'id="confirm-error">The passwords differ.<', html)
    # Each refused control is marked for refusals.js, which takes its error away once it is changed.
    assert len(re.findall(r"<input [^>]*aria-invalid=\"true\" [^>]*data-refused", html)) == 3

    # A taken address is not an error: the page says what it says for a new one (nobody learns who is
    # registered), and the owner gets a note instead.
    form = {"display_name": "T", "password": "long enough", "confirm": "long enough"}
    taken = client.post("/account/register", data={**form, "email": "taken@example.org"})
    fresh = client.post("/account/register", data={**form, "email": "fresh@example.org"})
    assert taken.status_code == fresh.status_code == 200
    for page, address in ((taken, "taken@example.org"), (fresh, "fresh@example.org")):
        assert f"We sent a message to <strong>{address}</strong>" in page.get_data(as_text=True)
        assert "already exists" not in page.get_data(as_text=True)
