"""Every report gets the nearest street as a readable place, stored when reported and shown on its page,
in the lists, in mail, in the CSV export and in Open311's address."""

from __future__ import annotations

from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from app.extensions import db
from app.models import Follow, Issue, User
from tests.conftest import AuthActions
from tests.gazetteer.streets_file import FAR_FROM_STREETS, write_streets
from tests.testcity import OLD_TOWN, RIVERSIDE, Place
from tests.workspace.test_exports import read_csv

MakeIssue = Callable[..., Issue]
WEST_WILLOW = Place(10.0015, 50.0051)  # on Willow Drive, ~250 m from number 12


@pytest.fixture(autouse=True)
def streets(runner: FlaskCliRunner, tmp_path: Path) -> None:
    result = runner.invoke(args=["import-streets", str(write_streets(tmp_path))])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("place", "expected"),
    [
        (OLD_TOWN, "near 12 Willow Drive, Old Town"),
        (WEST_WILLOW, "on Willow Drive, Old Town"),
        (RIVERSIDE, "on Rue de l'Église, Riverside"),  # 222 m north; Long Street is 333 m south
        (FAR_FROM_STREETS, None),  # Hill Road is ~490 m away: too far to name
    ],
)
def test_the_nearest_street_is_stored_when_reported(
    make_issue: MakeIssue, place: Place, expected: str
) -> None:
    assert make_issue(place=place).place == expected


def test_the_problem_page_shows_the_street_not_coordinates(
    client: FlaskClient, make_issue: MakeIssue
) -> None:
    issue = make_issue(place=OLD_TOWN)

    page = client.get(f"/issues/{issue.id}").get_data(as_text=True)

    assert "Near 12 Willow Drive, Old Town" in page
    assert f"{OLD_TOWN.lat:.5f}, {OLD_TOWN.lon:.5f}" not in page


def test_without_a_street_nearby_the_page_falls_back_to_coordinates(
    client: FlaskClient, make_issue: MakeIssue
) -> None:
    issue = make_issue(place=FAR_FROM_STREETS)

    page = client.get(f"/issues/{issue.id}").get_data(as_text=True)

    assert f"{FAR_FROM_STREETS.lat:.5f}, {FAR_FROM_STREETS.lon:.5f}" in page


def test_the_priorities_list_shows_the_street(client: FlaskClient, make_issue: MakeIssue) -> None:
    make_issue(place=RIVERSIDE, title="Loose kerb")

    page = client.get("/priorities").get_data(as_text=True)

    assert "On Rue de l&#39;Église, Riverside" in page


def test_the_area_followers_mail_says_where(
    app: Flask,
    make_user: Callable[..., User],
    make_issue: MakeIssue,
    city: dict[str, int],
    outbox: Callable[[], list[EmailMessage]],
) -> None:
    follower = make_user(email="neighbour@example.org")
    with app.app_context():
        db.session.add(Follow(user_id=follower.id, area_id=city["Old Town"]))
        db.session.commit()

    make_issue(place=OLD_TOWN, title="Loose paving")

    (mail,) = [m for m in outbox() if m["To"] == follower.email]
    assert "Where: near 12 Willow Drive, Old Town" in mail.get_content()


def test_the_csv_export_and_open311_carry_the_place(
    client: FlaskClient, auth: AuthActions, make_user: Callable[..., User], make_issue: MakeIssue
) -> None:
    issue = make_issue(place=OLD_TOWN)
    auth.login_as(make_user(role="official"))

    rows = read_csv(client.get("/staff/exports/issues.csv").get_data(as_text=True))
    records = client.get("/open311/v2/requests.json").get_json()

    assert [(r["id"], r["place"]) for r in rows] == [(str(issue.id), "near 12 Willow Drive, Old Town")]
    assert [r["address"] for r in records] == ["near 12 Willow Drive, Old Town"]


def test_locate_issues_names_every_place_again(
    runner: FlaskCliRunner, app: Flask, make_issue: MakeIssue
) -> None:
    issue = make_issue(place=WEST_WILLOW)
    with app.app_context():
        db.session.execute(db.update(Issue).where(Issue.id == issue.id).values(place=None))
        db.session.commit()

    result = runner.invoke(args=["locate-issues"])

    assert "1 of 1 problems placed." in result.output
    with app.app_context():
        assert db.session.get(Issue, issue.id).place == "on Willow Drive, Old Town"
