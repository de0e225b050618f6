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


@WARSAW
def test_the_rounds_list_and_the_likes_ballot_say_when_voting_opens_and_closes(
    world: RoundWorld, auth: AuthActions
) -> None:
    world.build(members=1, costs=(1000,))
    # Given in UTC through the API: 08:00 and 17:00 UTC are 09:00 and 18:00 in Warsaw in January.
    rid = world.create(
        ballot="likes", opens_at=f"{FUTURE}-01-15T08:00:00Z", closes_at=f"{FUTURE}-01-15T17:00:00Z"
    )["id"]
    assert world.ref is not None
    listed = words(page(world, f"/groups/{world.ref.group_id}/rounds"))
    assert f"Voting opens {FUTURE}-01-15 09:00 CET · closes {FUTURE}-01-15 18:00 CET" in listed

    set_round(world.app, rid, opens_at=datetime(PAST, 1, 1, 8, 0))  # the window has opened since
    world.open_voting(rid)
    listed = words(page(world, f"/groups/{world.ref.group_id}/rounds"))
    assert f"Voting closes {FUTURE}-01-15 18:00 CET" in listed
    assert "Voting opens" not in listed  # it is open

    auth.login_as(world.members[0])
    ballot = words(page(world, f"/rounds/{rid}/ballot"))
    assert f"Voting closes {FUTURE}-01-15 18:00 CET; your likes then are your ballot." in ballot

    # Closed by hand at 15:00 UTC: the round page and the ballot say when, to the minute.
    set_round(world.app, rid, voting_closed_at=datetime(PAST, 1, 14, 15, 0))
    closed = f"14 January {PAST}, 16:00 CET"
    assert f"Voting closed on {closed}; no more ballots are taken." in words(page(world, f"/rounds/{rid}"))
    assert f"what you liked when it closed ({closed})" in words(page(world, f"/rounds/{rid}/ballot"))
    listed = words(page(world, f"/groups/{world.ref.group_id}/rounds"))
    assert "Voting closes" not in listed


@WARSAW
def test_the_round_page_and_results_say_when_voting_opened_and_the_result_was_tallied_and_certified(
    world: RoundWorld,
) -> None:
    world.build(members=1, pledges=(2000,), costs=(1000,))
    rid = world.create()["id"]
    world.open_voting(rid)
    assert world.vote(world.members[0], rid, issue_ids=[world.issues[0]]).status_code == 200
    set_round(world.app, rid, voting_at=datetime(PAST, 1, 14, 7, 30))
    detail = page(world, f"/rounds/{rid}")
    voting_step = detail.split('<span class="timeline__label">Voting</span>', 1)[1].split("</li>", 1)[0]
    assert f"14 January {PAST}, 08:30 CET" in words(voting_step)

    assert world.tally(rid).status_code == 200
    set_round(world.app, rid, tallied_at=datetime(PAST, 1, 20, 15, 0))
    tallied = f"This result was tallied on 20 January {PAST}, 16:00 CET and waits for a city official"
    assert tallied in words(page(world, f"/rounds/{rid}"))
    assert tallied in words(page(world, f"/rounds/{rid}/results"))

    assert world.certify(rid).status_code == 200
    set_round(world.app, rid, certified_at=datetime(PAST, 7, 21, 9, 5))
    certified = f"Certified by the city on 21 July {PAST}, 11:05 CEST: the money is allocated."
    assert certified in words(page(world, f"/rounds/{rid}"))
    assert certified in words(page(world, f"/rounds/{rid}/results"))
    # The API keeps UTC, for programs.
    listed = world.client.get(f"/api/v1/rounds/{rid}", headers=world.headers(world.members[0])).get_json()
    assert listed["certified_at"] == f"{PAST}-07-21T09:05:00Z"


def test_my_commonfix_counts_everything_its_money_section_lists(world: RoundWorld, auth: AuthActions) -> None:
    # Three members pledged; a round spent part of the pool and refunded the rest pro rata.
    world.build(members=3, pledges=(1000, 1000, 1001), costs=(2000,))
    rid = world.create(by=world.official, rule="greedy", leftover="refund")["id"]
    world.open_voting(rid)
    for member in world.members:
        assert world.vote(member, rid, issue_ids=[world.issues[0]]).status_code == 200
    world.tally_and_certify(rid)
    auth.login_as(world.members[0])

    html = page(world, "/account")
    money = section(html, "money")
    assert 'data-testid="my-refund-parts"' in money
    listed = money.count('class="mine__item"')
    assert listed == 2  # one pledge, one refund part
    assert f'<a href="#money">Pledges, refunds and backings ({listed})</a>' in html


@WARSAW
@pytest.mark.parametrize("ballot", ["likes", "approval"])
def test_a_round_opened_by_hand_before_its_window_says_when_voting_opens_not_closed(
    world: RoundWorld, auth: AuthActions, ballot: str
) -> None:
    """Found in an outside pass: voting moved to by hand before the window's start takes no ballot until
    then (the window rules), yet the likes ballot said "Voting is closed" and the ballot page offered a
    form whose every save was refused. Each page now says when voting opens."""
    world.build(members=1, costs=(1000,))
    rid = world.create(
        ballot=ballot, opens_at=f"{FUTURE}-01-15T08:00:00Z", closes_at=f"{FUTURE}-01-16T17:00:00Z"
    )["id"]
    world.open_voting(rid)
    opens = f"Voting opens {FUTURE}-01-15 09:00 CET: the round is ready, and ballots count from then on."
    assert opens in words(page(world, f"/rounds/{rid}"))

    auth.login_as(world.members[0])
    shown = page(world, f"/rounds/{rid}/ballot")
    assert opens in words(shown)
    assert "Voting is closed" not in shown
    assert 'data-testid="ballot-saved"' not in shown  # no form to save, nor its "saved" line

    set_round(world.app, rid, opens_at=datetime(PAST, 1, 1, 8, 0))  # the window has opened since
    shown = page(world, f"/rounds/{rid}/ballot")
    assert "Voting opens" not in shown
    assert 'data-testid="ballot-saved"' in shown


@WARSAW
def test_the_ballot_page_says_when_voting_closes(world: RoundWorld, auth: AuthActions) -> None:
    """Found in an outside pass: the ballot page said only "until voting closes"; the likes ballot and the
    rounds list gave the time. Before and after saving, it now says when (in the city's zone)."""
    world.build(members=1, costs=(1000,))
    rid = world.create(opens_at=f"{FUTURE}-01-15T08:00:00Z", closes_at=f"{FUTURE}-01-16T17:00:00Z")["id"]
    set_round(world.app, rid, opens_at=datetime(PAST, 1, 1, 8, 0))  # the window has opened since
    world.open_voting(rid)
    (voter,) = world.members
    auth.login_as(voter)
    closes = f"{FUTURE}-01-16 18:00 CET"

    fresh = words(page(world, f"/rounds/{rid}/ballot"))
    assert f"nothing counts until you press “Save my ballot”, before voting closes on {closes}." in fresh

    auth.logout()  # the API's vote, by token
    assert world.vote(voter, rid, issue_ids=[world.issues[0]]).status_code == 200
    auth.login_as(voter)
    saved = words(page(world, f"/rounds/{rid}/ballot"))
    assert f"You can change it until voting closes on {closes}." in saved
