"""A problem the moderators hid keeps its money on the public pages, but never its title: the pool's
statement and CSV, the round's page, results, JSON and Pabulib export say "A problem hidden by the
moderators", as "Where the money goes" does; and a hidden problem is not a candidate of a new round."""

# ruff: noqa: F811  (fixtures are imported, then requested by name)

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from app.extensions import db
from app.models import Issue, Round
from app.services.issues.public_titles import HIDDEN_TITLE
from app.services.rounds.ballot_cards import HIDDEN_DESCRIPTION
from tests.funding.match_world import MatchWorld, match_world  # noqa: F401
from tests.funding.round_world import RoundWorld, world  # noqa: F401
from tests.funding.test_payouts import funded_issue
from tests.funding_fixtures import funding  # noqa: F401

SECRET = "Broken gate at the flat of J. Doe, 12 Elm Street"


def hide(world: RoundWorld, issue_id: int, title: str | None = None) -> None:
    values: dict[str, object] = {"is_hidden": True}
    if title is not None:
        values["title"] = title
    with world.app.app_context():
        db.session.execute(update(Issue).where(Issue.id == issue_id).values(**values))
        db.session.commit()


def test_a_hidden_funded_problem_keeps_its_money_but_not_its_title_on_public_pages(world: RoundWorld) -> None:
    issue_id = funded_issue(world)
    with world.app.app_context():
        rid = db.session.scalar(select(func.max(Round.id)))
    hide(world, issue_id, SECRET)
    pool_id = world.ref.pool_id

    pages = {
        "pool page": world.client.get(f"/pools/{pool_id}"),
        "pool CSV": world.client.get(f"/pools/{pool_id}/ledger.csv"),
        "round page": world.client.get(f"/rounds/{rid}"),
        "results page": world.client.get(f"/rounds/{rid}/results"),
        "results JSON": world.client.get(f"/api/v1/rounds/{rid}/results"),
        "Pabulib export": world.client.get(f"/api/v1/rounds/{rid}/export.pb"),
    }
    for name, response in pages.items():
        assert response.status_code == 200, name
        text = response.get_data(as_text=True)
        assert SECRET not in text, name
        assert HIDDEN_TITLE in text, name
    assert "EUR 30.00" in pages["pool page"].get_data(as_text=True)  # the money stays


def test_a_hidden_problem_is_not_a_candidate_of_a_new_round(world: RoundWorld) -> None:
    world.build(members=2, pledges=(2000, 2000), costs=(3000, 2000))
    shown, hidden = world.issues
    hide(world, hidden)
    rid = world.create(rule="greedy")["id"]
    page = world.client.get(f"/rounds/{rid}").get_data(as_text=True)
    assert f'href="/issues/{shown}"' in page
    assert f'href="/issues/{hidden}"' not in page


def test_the_matching_period_names_a_hidden_backed_problem_only_as_hidden(
    match_world: MatchWorld, client: FlaskClient
) -> None:
    period = match_world.period()
    issue_id = match_world.problem(title=SECRET)
    for _ in range(2):
        match_world.back(match_world.resident(), issue_id, 1_000, period)
    with match_world.app.app_context():
        hidden = {"is_hidden": True, "cost_estimate_cents": 50_000}
        db.session.execute(update(Issue).where(Issue.id == issue_id).values(**hidden))
        db.session.commit()

    for url in (f"/matching-periods/{period}", f"/api/v1/matching-periods/{period}"):
        text = client.get(url).get_data(as_text=True)
        assert SECRET not in text, url
        assert HIDDEN_TITLE in text, url


def test_a_candidate_hidden_during_voting_shows_nothing_of_its_report_on_the_ballot(
    world: RoundWorld, auth
) -> None:
    """Found from outside: the ballot masked a hidden candidate's title but printed its description
    in full, where what got it hidden usually is, and linked to its page, a 404."""
    world.build(members=2, pledges=(2000, 2000), costs=(3000, 2000))
    shown, hidden = world.issues
    rid = world.create(rule="greedy")["id"]
    world.open_voting(rid)
    with world.app.app_context():
        db.session.execute(update(Issue).where(Issue.id == hidden).values(description=SECRET))
        db.session.commit()
    hide(world, hidden)
    auth.login(world.members[0].email)

    page = world.client.get(f"/rounds/{rid}/ballot").get_data(as_text=True)

    assert SECRET not in page
    assert HIDDEN_TITLE in page
    assert HIDDEN_DESCRIPTION in page
    assert f'href="/issues/{hidden}"' not in page
    assert f'href="/issues/{shown}"' in page
