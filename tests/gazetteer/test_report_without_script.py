"""Reporting without JavaScript: the report form's "Find it" places the pin by a street or landmark.

Found from outside: with JavaScript off the report form could not be sent at all (the pin needs a map
tap or "Use my location"), and said so only after the resident had filled it in."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

from app.extensions import db
from app.models import Issue
from tests.conftest import AuthActions
from tests.gazetteer.streets_file import write_streets

REPORT = {"category": "pothole", "title": "Deep pothole", "description": "Cyclists swerve around it."}


@pytest.fixture
def streets(runner: FlaskCliRunner, tmp_path: Path) -> None:
    result = runner.invoke(args=["import-streets", str(write_streets(tmp_path))])
    assert result.exit_code == 0, result.output


def words(response: object) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))  # type: ignore[attr-defined]


@pytest.mark.usefixtures("streets")
def test_a_resident_without_javascript_finds_the_street_and_reports(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    auth.login_as(auth.make_user())
    blank = words(client.get("/issues/new"))
    assert any('name="find_place"' in part.split("</noscript>")[0] for part in blank.split("<noscript>")[1:])

    found = client.post("/issues/new", data={**REPORT, "place_query": "long", "find_place": "1"})

    assert found.status_code == 200  # not a refusal: nothing was reported yet
    page = words(found)
    assert "The report is placed at Long Street, Old Town." in page
    assert 'value="Deep pothole"' in page  # what was typed stays
    assert 'name="place_pick" value="10.013000,50.002000|Long Street, Riverside"' in page  # the other one
    assert 'name="lat" type="hidden" value="50.002000"' in page
    picked = words(
        client.post(
            "/issues/new",
            data={
                **REPORT,
                "place_query": "long",
                "place_pick": "10.013000,50.002000|Long Street, Riverside",
            },
        )
    )
    assert "The report is placed at Long Street, Riverside." in picked

    sent = client.post("/issues/new", data={**REPORT, "lat": "50.002000", "lon": "10.013000"})

    assert sent.status_code == 302
    with app.app_context():
        issue = db.session.scalar(select(Issue))
        assert issue is not None
        assert (issue.lon, issue.lat) == (10.013, 50.002)


@pytest.mark.usefixtures("streets")
def test_nothing_found_or_a_forged_choice_places_nothing(client: FlaskClient, auth: AuthActions) -> None:
    auth.login_as(auth.make_user())

    nothing = words(client.post("/issues/new", data={**REPORT, "place_query": "zzz", "find_place": "1"}))
    forged = words(client.post("/issues/new", data={**REPORT, "place_query": "", "place_pick": "east,north"}))

    assert "Nothing called “zzz” was found: try a street name or a landmark." in nothing
    assert 'name="lat" type="hidden" value=""' in nothing
    assert "Type a street or a landmark, then press “Find it”." in forged


@pytest.mark.usefixtures("streets")
def test_the_place_chosen_stays_and_a_search_typed_since_is_searched(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    """Found from outside: a form sent back for a missing category forgot where it was placed, a report
    sent with a new search typed was filed at the old place, and a neighbourhood's name "was not found"."""
    auth.login_as(auth.make_user())
    placed = {"place_query": "willow", "placed_query": "willow", "placed_name": "Willow Drive, Old Town"}
    at = {"lat": "50.005000", "lon": "10.005000"}
    blank = words(client.get("/issues/new"))
    assert blank.index('tabindex="-1" aria-hidden="true">Submit report') < blank.index('name="find_place"')

    refused = client.post("/issues/new", data={**REPORT, "category": "", **at, **placed})
    searched = client.post("/issues/new", data={**REPORT, **at, **placed, "place_query": "long"})
    area = words(client.post("/issues/new", data={**REPORT, "place_query": "old town", "find_place": "1"}))
    unplaced = words(client.post("/issues/new", data={**REPORT, "place_query": ""}))

    assert refused.status_code == 422
    assert "The report is placed at Willow Drive, Old Town." in words(refused)
    assert searched.status_code == 200  # searched, not reported
    assert "The report is placed at Long Street, Old Town." in words(searched)
    assert "“Old Town” is a neighbourhood: type a street or a landmark in it." in area
    assert "Find the street or landmark where the problem is, and press “Find it”." in unplaced
    # Found from outside: the longitude's message still said, on the page and in its summary, to tap the
    # map or use "Use my location" (only the page's script reads it from data-required).
    assert ">Place the pin" not in unplaced
    with app.app_context():
        assert db.session.scalar(select(Issue)) is None
