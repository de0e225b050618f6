"""Times residents act on, shown in the city's zone (found in an outside pass): a ballot's "Saved" gave
only the day, so a resident who changed their ballot twice in a day could not tell which version was
kept; round pages gave days where the time decides (voting opens and closes, a result tallied,
certified or sent back and tallied again). My Commonfix's jump link counted pledges and backings but
not the refund parts listed beside them. Both engines."""

# ruff: noqa: F811  (fixtures are imported, then requested by name)

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import update

from app.extensions import db
from app.models import Round, RoundBallot
from tests.conftest import AuthActions
from tests.funding.round_world import RoundWorld, world  # noqa: F401
from tests.funding_fixtures import funding  # noqa: F401

WARSAW = pytest.mark.config(CITY_TIMEZONE="Europe/Warsaw")
FUTURE = datetime.now().year + 1  # a year whose dates are all ahead of now
PAST = FUTURE - 2


def words(html: str) -> str:
    """The text a resident reads: a <time> inside a sentence runs on with it."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.sub(r"</?time[^>]*>", "", html)))


def page(world: RoundWorld, url: str) -> str:
    response = world.client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def set_round(app: Flask, round_id: int, **values: Any) -> None:
    with app.app_context():
        db.session.execute(update(Round).where(Round.id == round_id).values(**values))
        db.session.commit()


def section(html: str, anchor: str) -> str:
    return html.split(f'id="{anchor}"', 1)[1].split("</section>", 1)[0]


@WARSAW
@pytest.mark.parametrize(
    ("month", "shown"),
    [
        # 15:00 UTC is 16:00 in Warsaw in winter (CET) and 17:00 in summer (CEST).
        (1, "14 January {year}, 16:00 CET"),
        (7, "14 July {year}, 17:00 CEST"),
    ],
)
def test_a_saved_ballot_says_when_in_the_citys_zone(
    world: RoundWorld, auth: AuthActions, month: int, shown: str
) -> None:
    world.build(members=1, costs=(1000,))
    rid = world.create()["id"]
    world.open_voting(rid)
    (voter,) = world.members
    assert world.vote(voter, rid, issue_ids=[world.issues[0]]).status_code == 200
    with world.app.app_context():
        db.session.execute(
            update(RoundBallot)
            .where(RoundBallot.round_id == rid, RoundBallot.user_id == voter.id)
            .values(updated_at=datetime(PAST, month, 14, 15, 0))
        )
        db.session.commit()
    when = shown.format(year=PAST)
    auth.login_as(voter)

    ballot = words(page(world, f"/rounds/{rid}/ballot"))
    assert f"Saved {when}. You can change it until voting closes." in ballot

    mine = words(section(page(world, "/account"), "rounds"))
    assert when in mine
