"""A first-time visitor learns what the site is: a line above the map and a page in five steps (found
from outside: nothing said who reads the reports, what a like does, or that residents can fund fixes)."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient

from app.models import User
from tests.conftest import AuthActions


def test_a_visitor_is_told_what_the_site_is_and_led_to_how_it_works(client: FlaskClient) -> None:
    home = client.get("/").get_data(as_text=True)
    assert 'data-testid="intro"' in home
    assert "like the ones you share: the most liked come first." in home
    assert home.count('href="/how-it-works"') == 3  # the intro, the menu and the footer

    page = client.get("/how-it-works")

    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "<h1>How Commonfix works</h1>" in text
    for link in (
        "/issues/new",
        "/priorities",
        "/rounds/rules",
        "/transparency",
        "/privacy",
        "/open-data",
    ):
        assert f'href="{link}"' in text, link
    assert "(most likes first; when two problems have as many likes, the older report ranks higher)," in text
    # Found in a recheck: groups are the city's to set up, and an area's follow tells of new problems.
    assert "set up by the city, that residents join" in text
    assert "follow a whole neighbourhood to hear of each new problem reported in it" in text


def test_a_resident_who_is_logged_in_keeps_the_map_without_the_intro(
    client: FlaskClient, auth: AuthActions, make_user: Callable[..., User]
) -> None:
    auth.login_as(make_user())
    home = client.get("/").get_data(as_text=True)
    assert 'data-testid="intro"' not in home
    assert 'href="/how-it-works"' in home  # the footer still has it
