"""A round's awkward paths, found by a group admin's and its members' pass from outside: a candidate
that stops being on offer (closed as a duplicate, no longer worked on, fixed, hidden) is left out of
the tally with why, and a result that still funds one is not certified; an estimate changed while
voting; the ballot past its window; a blank ballot; leaving the group mid-round; cancelling a round
set up by mistake. Both engines."""

# ruff: noqa: F811  (fixtures are imported, then requested by name)

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from app.extensions import db
from app.models import Issue, Round, RoundBallot, User
from app.models.timestamps import utcnow
from app.services.rounds import money as round_money
from app.services.rounds import tally
from app.services.workflow import duplicates
from app.services.workflow import status_changes as workflow
from tests.funding.round_world import RoundWorld, world  # noqa: F401
from tests.funding.test_payouts import COSTS, voted_round
from tests.funding_fixtures import funding  # noqa: F401


def as_official(world: RoundWorld, act: Any) -> None:
    assert world.official is not None
    with world.app.app_context():
        act(db.session.get(User, world.official.id))
        db.session.commit()


def result_of(world: RoundWorld, rid: int, issue_id: int) -> dict[str, Any]:
    found = world.client.get(f"/api/v1/rounds/{rid}/results").get_json()
    return next(c for c in found["funded"] + found["unfunded"] if c["issue_id"] == issue_id)


def test_a_candidate_closed_as_a_duplicate_while_voting_is_left_out_of_the_tally(world: RoundWorld) -> None:
    rid, a, b = voted_round(world)
    as_official(
        world, lambda official: duplicates.mark_duplicate(db.session, official, a, b, "Same shelter.")
    )
    # The ballot says so while voting is open, its box no longer to be ticked.
    world.auth.login_as(world.members[0])
    page = world.client.get(f"/rounds/{rid}/ballot").get_data(as_text=True)
    with world.client.session_transaction() as session:
        session.clear()  # the API calls below go by token alone
    item = page.split(f'data-issue="{a}"')[1].split("</li>")[0]
    assert f"No longer on offer: closed as a duplicate of #{b}. The tally leaves it out" in item
    assert re.search(rf'<input type="checkbox" name="issue_ids" value="{a}"[^>]*disabled', item)

    certified = world.tally_and_certify(rid)

    funded = [c["issue_id"] for c in certified["funded"]]
    assert a not in funded
    assert b in funded  # the money goes to what is still on offer
    left_out = result_of(world, rid, a)
    assert left_out["amount_cents"] == 0
    assert left_out["sentence"] == (
        f"Not in the tally: since the list was drawn up it was closed as a duplicate of #{b}. Its 3 votes "
        "did not count."
    )
    with world.app.app_context():
        assert db.session.get(Issue, a).status == "duplicate"  # type: ignore[union-attr]
        assert db.session.get(Issue, b).status == "planned"  # type: ignore[union-attr]


def test_a_candidate_closed_while_a_background_tally_runs_the_rule_is_left_out(world: RoundWorld) -> None:
    """Found in review: a background tally read which candidates were withdrawn before running the
    rule, outside its write transaction; one closed in between was still funded. Posting reads them
    again and reruns the rule when they changed."""
    rid, a, b = voted_round(world)
    assert world.admin is not None
    with world.app.app_context():
        admin = db.session.get(User, world.admin.id)
        assert admin is not None
        tally.claim(db.session, admin, rid, "job-1")
        db.session.commit()
        found = db.session.get(Round, rid)
        assert found is not None
        inputs = tally.load_inputs(db.session, found)
        preview = round_money.preview(db.session, found).budget_cents
        stale = tally.compute(found, inputs, preview)
        assert list(stale.selected) == [str(a)]
    as_official(
        world, lambda official: duplicates.mark_duplicate(db.session, official, a, b, "Same shelter.")
    )
    with world.app.app_context():
        admin, found = db.session.get(User, world.admin.id), db.session.get(Round, rid)
        assert admin is not None
        assert found is not None
        summary = tally.post(db.session, admin, found, "job-1", inputs, stale, preview)
        db.session.commit()

    funded = [issue_id for issue_id, _ in summary.funded]
    assert a not in funded
    assert b in funded
    assert result_of(world, rid, a)["sentence"].startswith(
        "Not in the tally: since the list was drawn up it was closed"
    )


def test_a_result_funding_a_problem_closed_since_the_tally_is_not_certified(world: RoundWorld) -> None:
    rid, a, _b = voted_round(world)
    assert world.tally(rid).status_code == 200
    assert [
        c["issue_id"] for c in world.client.get(f"/api/v1/rounds/{rid}/results").get_json()["funded"]
    ] == [a]
    as_official(
        world,
        lambda official: workflow.change_status(db.session, official, a, "not-responsible", "Not ours."),
    )

    refused = world.certify(rid)

    assert refused.status_code == 409
    message = refused.get_json()["error"]["message"]
    assert f"#{a} was marked \u201cNot responsible\u201d: the city no longer works on it" in message
    assert "send the result back and tally again" in message
    with world.app.app_context():
        assert db.session.get(Issue, a).status == "not-responsible"  # type: ignore[union-attr]
    # Sent back and tallied again, the result leaves it out and is certified.
    assert world.send_back(rid).status_code == 200
    certified = world.tally_and_certify(rid)
    assert a not in [c["issue_id"] for c in certified["funded"]]


def test_the_duplicate_review_says_the_problem_is_on_a_rounds_list(world: RoundWorld) -> None:
    _rid, a, b = voted_round(world)
    assert world.official is not None
    world.auth.login_as(world.official)

    review = world.client.post(f"/staff/issues/{a}/duplicate", data={"original_id": str(b)})

    assert review.status_code == 200
    said = (
        f"#{a} is on the list of the round \u201cSpring round\u201d</strong>, whose result is not certified"
    )
    assert said in review.get_data(as_text=True)


def test_an_estimate_is_refused_while_voting_on_the_listed_cost(world: RoundWorld) -> None:
    """Found from outside: an estimate raised while a round was voting was funded at the listed cost,
    then locked as funded: the problem read "EUR 45.00 of EUR 70.00" for good."""
    _rid, a, _b = voted_round(world)
    assert world.official is not None
    world.auth.login_as(world.official)
    token = world.auth.csrf_token()
    with world.app.app_context():
        before = db.session.get(Issue, a).cost_estimate_cents

    saved = world.client.post(
        f"/staff/issues/{a}/estimate", data={"cost": "50.00", "csrf_token": token}, follow_redirects=True
    )

    page = saved.get_data(as_text=True)
    assert "Estimated cost saved" not in page
    assert (
        f"The estimate was not saved: Problem #{a} is on the list of the round \u201cSpring round\u201d at "
        "the cost its voters decided on" in page
    )
    with world.app.app_context():
        assert db.session.get(Issue, a).cost_estimate_cents == before


def test_the_ballot_page_past_its_window_says_voting_is_closed_and_shows_what_counts(
    world: RoundWorld,
) -> None:
    """Found from outside: past closes_at (before the schedule moved the phase on) the page refused a
    late ballot, then said "You can change it until voting closes" beside the refused ticks."""
    rid, _a, b = voted_round(world)
    with world.app.app_context():
        db.session.execute(
            update(Round).where(Round.id == rid).values(closes_at=utcnow() - timedelta(minutes=1))
        )
        db.session.commit()
    world.auth.login_as(world.members[3])  # has not voted
    token = world.auth.csrf_token()

    late = world.client.post(f"/rounds/{rid}/ballot", data={"issue_ids": [str(b)], "csrf_token": token})

    page = late.get_data(as_text=True)
    assert late.status_code == 409
    assert "Your ballot was not saved." in page
    assert "Voting is closed." in page
    assert "You can change it until voting closes" not in page
    assert not re.search(rf'value="{b}"[^>]*checked', page)  # the refused tick is not shown as chosen


def test_a_blank_ballot_is_asked_for_before_it_replaces_ones_choices(world: RoundWorld) -> None:
    """Found from outside: a tap on "Save my ballot" with nothing ticked saved a blank ballot at once,
    over the choices saved before. The page now asks first and keeps the saved ballot until told."""
    rid, a, _b = voted_round(world)
    world.auth.login_as(world.members[0])  # voted for a
    token = world.auth.csrf_token()
    with world.app.app_context():
        before = db.session.scalars(select(RoundBallot.choices).order_by(RoundBallot.id)).all()

    asked = world.client.post(f"/rounds/{rid}/ballot", data={"csrf_token": token})

    page = asked.get_data(as_text=True)
    assert asked.status_code == 200
    assert 'data-testid="blank-question"' in page
    assert "Nothing was saved." in page
    assert "and it replaces the ballot you saved" in page
    assert 'form="ballot-form" name="blank" value="yes"' in page
    assert not re.search(rf'value="{a}"[^>]*checked', page)  # the page shows what was sent: nothing
    with world.app.app_context():
        assert db.session.scalars(select(RoundBallot.choices).order_by(RoundBallot.id)).all() == before

    # Someone who may not vote is told why, not asked about a blank ballot.
    world.auth.logout()
    world.auth.login_as(world.make_user(display_name="Not A Member"))
    outsider = world.client.post(f"/rounds/{rid}/ballot", data={"csrf_token": world.auth.csrf_token()})
    assert 'data-testid="blank-question"' not in outsider.get_data(as_text=True)
    assert outsider.status_code == 403


def test_a_blank_ballot_is_called_so_when_saved_and_in_the_results(world: RoundWorld) -> None:
    """Found from outside: a ballot saved with nothing ticked read "Your ballot is saved", then the
    results said "None of the problems you voted for could be funded"."""
    rid, _a, _b = voted_round(world)
    world.auth.login_as(world.members[3])
    token = world.auth.csrf_token()

    saved = world.client.post(
        f"/rounds/{rid}/ballot", data={"csrf_token": token, "blank": "yes"}, follow_redirects=True
    )

    assert "Your ballot is saved with no problem chosen: a blank ballot" in saved.get_data(as_text=True)
    with world.client.session_transaction() as session:
        session.clear()  # the round's API calls go by token alone
    world.tally_and_certify(rid)
    world.auth.login_as(world.members[3])
    page = world.client.get(f"/rounds/{rid}/results").get_data(as_text=True)
    assert "You took part with a blank ballot: no problem chosen." in page
    assert "None of the problems you voted for" not in page


def test_leaving_the_group_says_first_that_a_saved_ballot_stops_counting(world: RoundWorld) -> None:
    """Found from outside: "Leave the group" took one tap, and the member's saved ballot silently
    stopped counting. The group page says so in the step before leaving."""
    _rid, _a, _b = voted_round(world)
    assert world.ref is not None
    world.auth.login_as(world.members[0])  # has voted

    page = world.client.get(f"/groups/{world.ref.group_id}").get_data(as_text=True)

    step = page.split('data-testid="leave"')[1].split("</details>")[0]
    assert "your saved ballot in \u201cSpring round\u201d stops counting, even if you join again" in step
    assert "Yes, leave" in step
    assert 'data-testid="sole-admin-leaving"' not in step
    # Found from outside: the group's only admin left with no word, and nobody could confirm pledges.
    assert world.admin is not None
    world.auth.login_as(world.admin)
    step = (
        world.client.get(f"/groups/{world.ref.group_id}")
        .get_data(as_text=True)
        .split('data-testid="leave"')[1]
    )
    assert "You are its only admin:</strong> once you leave, nobody confirms its pledges" in step


def test_opening_voting_with_nothing_to_allocate_says_so_first(world: RoundWorld) -> None:
    """Found from outside: a round whose pool held EUR 0.00 opened voting without a word, and members
    were invited to vote on what could not be funded."""
    world.build(members=2, pledges=(), costs=COSTS)
    rid = world.create()["id"]
    assert world.phase(rid, "pledging").status_code == 200
    assert world.admin is not None
    world.auth.login_as(world.admin)

    page = world.client.get(f"/rounds/{rid}").get_data(as_text=True)

    step = page.split('data-testid="open-voting"')[1].split("</details>")[0]
    assert "The pool holds nothing to allocate yet" in step


def test_closing_voting_below_the_minimum_turnout_says_the_tally_waits(world: RoundWorld) -> None:
    """Found from outside: closing voting said "The round can now be tallied" while the tally was held
    below the round's minimum turnout."""
    world.build(members=3, pledges=(1000,), costs=COSTS)
    rid = world.create(min_turnout=3)["id"]
    world.open_voting(rid)
    assert world.vote(world.members[0], rid, issue_ids=[world.issues[0]]).status_code == 200
    assert world.admin is not None
    world.auth.login_as(world.admin)

    closed = world.client.post(
        f"/rounds/{rid}/voting-close",
        data={"confirm": "yes", "csrf_token": world.auth.csrf_token()},
        follow_redirects=True,
    )

    page = closed.get_data(as_text=True)
    assert "The tally waits for a city official" in page
    assert "The round can now be tallied." not in page
    # The official sees the held tally's release and cancel steps, the cancel asking for its reason.
    assert world.official is not None
    world.auth.login_as(world.official)
    held = world.client.get(f"/rounds/{rid}").get_data(as_text=True)
    step = held.split('data-testid="cancel"')[1].split("</details>")[0]
    assert 'name="reason"' in step
    assert "Cancel this round" not in held  # the admins' step is for rounds not yet voting


def test_a_tie_under_most_votes_first_is_named(world: RoundWorld) -> None:
    """Found from outside: of two problems with as many votes, the one left out read only "when its
    turn came, only EUR 0.00 was left", never that a tie on the list's order decided."""
    world.build(members=3, pledges=(1000, 1000, 1000), costs=(3000, 3000))
    rid = world.create(rule="greedy")["id"]
    world.open_voting(rid)
    first, second = world.issues
    for member, ids in zip(world.members, ([first, second], [first], [second]), strict=True):
        assert world.vote(member, rid, issue_ids=ids).status_code == 200

    world.tally_and_certify(rid)

    winner, left_out = result_of(world, rid, first), result_of(world, rid, second)
    assert winner["amount_cents"] == 3000
    assert left_out["sentence"].endswith(
        f"It tied on 2 votes with \u201c{winner['title']}\u201d, which the list ranks first (more likes, "
        "then the older report), so that one's turn came first."
    )
    assert "tied" not in winner["sentence"]


def test_a_send_back_reason_with_a_nul_byte_is_refused(world: RoundWorld) -> None:
    rid, _, _ = voted_round(world)
    assert world.tally(rid).status_code == 200
    sent = world.send_back(rid, reason="Recount\x00 please")
    assert sent.status_code == 422
    assert sent.get_json()["error"]["field"] == "reason"
