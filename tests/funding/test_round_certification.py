"""Certified results and voting windows: who may do what (the role x action table), the bad input of
issue 19 (votes outside the window, certification by a non-official, a tally below quorum), send-back
and re-tally, and the audit of every round action. Both engines (the `backend` param)."""

# ruff: noqa: F811  (fixtures are imported, then requested by name)

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Round, RoundBallot
from tests.funding.money_world import MONEY_ACTIONS, issue_money
from tests.funding.round_actions import (
    ACTIONS,
    ALLOWED,
    AUDITED,
    COSTS,
    CREATED,
    ROLES,
    actor,
    allocations,
    audit_of,
    iso,
    perform,
    postings,
    ready_for,
    round_row,
    voting_round,
)
from tests.funding.round_world import RoundWorld, world  # noqa: F401
from tests.funding_fixtures import funding  # noqa: F401


@pytest.mark.parametrize("role", ROLES)
def test_the_role_by_action_table(world: RoundWorld, role: str) -> None:
    world.build(members=4, pledges=(1000, 1000), costs=COSTS)
    user = actor(world, role)
    outcomes = {}
    for action in ACTIONS:
        rid = ready_for(world, action)
        money = action in MONEY_ACTIONS
        before = None if rid is None else issue_money(world, rid) if money else round_row(world, rid)
        response = perform(world, action, rid, user)
        allowed = role in ALLOWED[action]
        outcomes[action] = response.status_code
        if allowed:
            assert response.status_code in (200, 201), (action, response.get_json())
            target = rid if rid is not None else response.get_json()["id"]
            assert user.id in audit_of(world, AUDITED[action], target), action
        else:
            assert response.status_code == 403, (action, response.get_json())
            assert response.get_json()["error"]["message"].startswith("Only"), action
            if rid is not None and money:
                assert issue_money(world, rid) == before, action
                assert user.id not in audit_of(world, AUDITED[action], rid)
            elif rid is not None:  # nothing stored
                assert round_row(world, rid) == before, action
                assert user.id not in audit_of(world, AUDITED[action], rid)
                assert postings(world, rid) == 0
    expected = {a: (201 if a in CREATED else 200) if role in ALLOWED[a] else 403 for a in ACTIONS}
    assert outcomes == expected


def test_certification_posts_once_and_the_funded_problems_are_the_officials_acts(
    world: RoundWorld, outbox
) -> None:
    world.build(members=4, pledges=(1000, 1000, 1000), costs=COSTS)
    rid = voting_round(world)
    tallied = world.tally(rid).get_json()
    assert tallied["status"] == "provisional"
    assert postings(world, rid) == 0
    assert world.client.get(f"/api/v1/rounds/{rid}").get_json()["result_status"] == "provisional"

    certified = world.certify(rid)

    assert certified.status_code == 200
    assert certified.get_json()["status"] == "certified"
    assert allocations(world, rid) == 1
    posted = postings(world, rid)
    again = world.certify(rid, by=world.make_user(role="admin"))
    assert again.status_code == 409
    assert (allocations(world, rid), postings(world, rid)) == (1, posted)
    # The funded problems' followers (their reporters) hear they are planned.
    planned = [m for m in outbox() if "is now Planned" in str(m["Subject"])]
    assert len(planned) == len(certified.get_json()["funded"]) > 0
    assert audit_of(world, "round.certify", rid) == [world.official.id]
    assert set(audit_of(world, "round.fund", rid)) <= {world.official.id}


def test_a_sent_back_result_is_tallied_again_and_says_why(world: RoundWorld) -> None:
    world.build(members=4, pledges=(1000, 1000), costs=COSTS)
    rid = voting_round(world)
    first = world.tally(rid).get_json()

    nameless = world.send_back(rid, reason="   ")
    assert nameless.status_code == 422
    assert nameless.get_json()["error"]["field"] == "reason"
    assert round_row(world, rid)["result_status"] == "provisional"
    sent = world.send_back(rid, reason="Two paper ballots were not entered.")
    assert sent.status_code == 200, sent.get_json()
    body = sent.get_json()
    assert (body["phase"], body["result_status"]) == ("voting", None)
    assert body["official_note"] == "Two paper ballots were not entered."
    assert body["voting_open"] is False  # voting stays closed
    assert world.vote(world.members[3], rid, issue_ids=[world.issues[0]]).status_code == 409
    assert world.client.get(f"/api/v1/rounds/{rid}/results").status_code == 409
    assert world.certify(rid).status_code == 409
    assert postings(world, rid) == 0
    # The round's page shows the step as it is (found from outside: "Voting", as if it were open).
    page = world.client.get(f"/rounds/{rid}").get_data(as_text=True)
    assert re.search(
        r'aria-current="step">\s*(<!--.*?-->\s*)?<span class="timeline__label">Voting closed</span>',
        page,
        re.S,
    )
    # ... with when it closed, not when it opened (found from outside).
    with world.app.app_context():
        closed_at = db.session.scalar(select(Round.voting_closed_at).where(Round.id == rid))
    shown = re.search(r'Voting closed</span>\s*<span class="timeline__date"><time datetime="([^"]+)"', page)
    assert shown is not None
    assert shown.group(1) == f"{closed_at.isoformat()}Z"

    again = world.tally(rid)
    assert again.status_code == 200
    assert again.get_json()["funded"] == first["funded"]
    assert world.certify(rid).status_code == 200
    assert audit_of(world, "round.tally", rid) == [world.admin.id, world.admin.id]
    assert audit_of(world, "round.send_back", rid) == [world.official.id]


def test_certification_refuses_when_the_pool_changed_since_the_tally(world: RoundWorld) -> None:
    world.build(members=4, pledges=(1000, 1000), costs=COSTS)
    rid = voting_round(world)
    assert world.tally(rid).status_code == 200
    world.funding.pledge(world.ref, world.members[2], 500)

    refused = world.certify(rid)

    assert refused.status_code == 409
    message = refused.get_json()["error"]["message"]
    assert "The pool holds EUR 25.00 now, not the EUR 20.00 the tally allocated" in message
    assert "send the result back and tally again" in message
    assert round_row(world, rid)["result_status"] == "provisional"
    assert postings(world, rid) == 0
    assert world.send_back(rid).status_code == 200
    assert world.tally(rid).get_json()["budget_cents"] == 2500
    assert world.certify(rid).status_code == 200


def test_a_refused_certification_says_what_the_pool_holds_without_the_match_it_would_add(
    world: RoundWorld,
) -> None:
    """Found from outside: the refusal gave the pool with the city's match, which the refusal rolls
    back, as what the pool held."""
    world.build(members=4, pledges=(1000, 1000), costs=COSTS)
    assert world.official is not None
    rid = voting_round(world, by=world.official, match_ratio="1:1", match_cap_cents=1000)
    assert world.tally(rid).status_code == 200
    world.funding.pledge(world.ref, world.members[2], 500)

    refused = world.certify(rid)

    assert refused.status_code == 409
    assert (
        "The pool holds EUR 25.00 now and the city's match adds EUR 10.00: EUR 35.00, not the EUR 30.00 "
        "the tally allocated"
    ) in refused.get_json()["error"]["message"]
    assert postings(world, rid) == 0


def test_a_tally_below_the_minimum_turnout_is_held_until_an_official_releases_it(world: RoundWorld) -> None:
    world.build(members=4, pledges=(1000, 1000), costs=COSTS)
    rid = voting_round(world, voters=1, min_turnout=3)
    assert world.client.get(f"/api/v1/rounds/{rid}").get_json()["tally_held"] is True

    held = world.tally(rid)

    assert held.status_code == 409
    error = held.get_json()["error"]
    assert error["field"] == "min_turnout"
    assert "1 ballot, below this round's minimum of 3" in error["message"]
    assert round_row(world, rid)["tally_token"] is None  # nothing stored
    assert audit_of(world, "round.tally", rid) == []
    page = world.client.get(f"/rounds/{rid}").get_data(as_text=True)
    assert (
        "fewer than this round&#39;s minimum of 3" in page or "fewer than this round's minimum of 3" in page
    )
    release = f"/api/v1/rounds/{rid}/turnout-release"
    early = world.client.post(release, headers=world.headers(world.official))
    assert early.status_code == 409  # while voting is open the turnout is not known yet
    assert "Voting is still open" in early.get_json()["error"]["message"]
    closed = world.client.post(f"/api/v1/rounds/{rid}/voting-close", headers=world.headers(world.admin))
    assert closed.status_code == 200
    page = world.client.get(f"/rounds/{rid}").get_data(as_text=True)
    assert "Tally held: turnout below the minimum" in page

    released = world.client.post(
        f"/api/v1/rounds/{rid}/turnout-release", headers=world.headers(world.official)
    )
    assert released.status_code == 200, released.get_json()
    assert world.client.get(f"/api/v1/rounds/{rid}").get_json()["tally_held"] is False
    assert world.tally(rid).status_code == 200
    assert audit_of(world, "round.release", rid) == [world.official.id]


def test_before_its_window_opens_a_round_is_not_held_and_cannot_be_closed_or_released(
    world: RoundWorld,
) -> None:
    """Found from outside: a round moved to voting before its window read "Tally held" with 0 ballots,
    an official's release there waived the minimum before anyone could vote, and closing it by hand, or
    tallying it, left members told both "closed" and "ballots count from then on"."""
    world.build(members=4, pledges=(1000, 1000), costs=COSTS)
    rid = world.create(opens_at=iso(timedelta(hours=2)), closes_at=iso(timedelta(days=2)), min_turnout=3)[
        "id"
    ]
    world.open_voting(rid)
    assert world.client.get(f"/api/v1/rounds/{rid}").get_json()["tally_held"] is False
    assert "Tally held" not in world.client.get(f"/rounds/{rid}").get_data(as_text=True)

    released = world.client.post(
        f"/api/v1/rounds/{rid}/turnout-release", headers=world.headers(world.official)
    )
    closed = world.client.post(f"/api/v1/rounds/{rid}/voting-close", headers=world.headers(world.admin))
    tallied = world.tally(rid)

    assert released.status_code == 409
    assert closed.status_code == 409
    assert closed.get_json()["error"]["field"] == "opens_at"
    assert "Voting has not opened yet" in closed.get_json()["error"]["message"]
    assert tallied.status_code == 409  # found from outside: a tally then closed voting before it opened
    assert tallied.get_json()["error"]["field"] == "opens_at"
    assert "Voting has not opened yet" in tallied.get_json()["error"]["message"]
    world.auth.login_as(world.admin)
    admin_view = world.client.get(f"/rounds/{rid}").get_data(as_text=True)
    assert "Voting opens" in admin_view
    assert "Close voting and tally" not in admin_view
    assert "Fixed since the round was set to vote" in admin_view
    assert "Fixed since voting opened" not in admin_view
    row = round_row(world, rid)
    assert (row["voting_closed_at"], row["turnout_released_at"], row["tally_token"]) == (None, None, None)
    # Its admin may still cancel it, as before voting (found from outside: they could tally, not cancel).
    cancelled = world.client.post(
        f"/api/v1/rounds/{rid}/cancellation",
        json={"reason": "Wrong dates."},
        headers=world.headers(world.admin),
    )
    assert cancelled.status_code == 200, cancelled.get_json()
    page = " ".join(world.client.get(f"/rounds/{rid}").get_data(as_text=True).split())
    assert "This round was cancelled before voting opened: Wrong dates." in page
    assert 'data-testid="opens-at"' not in page


def test_an_official_cancels_a_held_round_and_no_money_moves(world: RoundWorld) -> None:
    world.build(members=4, pledges=(1000, 1000), costs=COSTS)
    rid = voting_round(world, voters=1, min_turnout=3)
    path = f"/api/v1/rounds/{rid}/cancellation"
    assert (
        world.client.post(path, json={"reason": "Too few."}, headers=world.headers(world.admin)).status_code
        == 403
    )
    assert world.client.post(path, json={}, headers=world.headers(world.official)).status_code == 422

    cancelled = world.client.post(
        path, json={"reason": "Too few voted."}, headers=world.headers(world.official)
    )

    assert cancelled.status_code == 200, cancelled.get_json()
    body = cancelled.get_json()
    assert (body["phase"], body["result_status"], body["official_note"]) == (
        "closed",
        "cancelled",
        "Too few voted.",
    )
    assert world.tally(rid).status_code == 409
    assert postings(world, rid) == 0
    assert world.funding.balance(world.ref).balance_cents == 2000
    assert audit_of(world, "round.cancel", rid) == [world.official.id]


def test_votes_outside_the_window_are_refused_naming_the_time_and_nothing_is_stored(
    world: RoundWorld,
) -> None:
    world.build(members=3, pledges=(1000,), costs=COSTS)
    early = world.create(opens_at=iso(timedelta(hours=2)), closes_at=iso(timedelta(days=2)))
    assert (early["opens_at"], early["closes_at"]) == (early["opens_at"], early["closes_at"])
    world.open_voting(early["id"])  # opened by hand before its time: the window still rules
    refused = world.vote(world.members[0], early["id"], issue_ids=[world.issues[0]])
    assert refused.status_code == 409
    assert refused.get_json()["error"]["field"] == "opens_at"
    assert "Voting in this round opens at" in refused.get_json()["error"]["message"]

    world.free_pool()  # a pool runs one round at a time
    rid = voting_round(world, voters=1)
    closed = world.client.post(f"/api/v1/rounds/{rid}/voting-close", headers=world.headers(world.admin))
    assert closed.status_code == 200
    assert closed.get_json()["voting_open"] is False
    late = world.vote(world.members[1], rid, issue_ids=[world.issues[0]])
    assert late.status_code == 409
    assert "Voting in this round closed at" in late.get_json()["error"]["message"]
    twice = world.client.post(f"/api/v1/rounds/{rid}/voting-close", headers=world.headers(world.admin))
    assert twice.status_code == 409
    with world.app.app_context():
        stored = db.session.scalar(
            select(func.count()).select_from(RoundBallot).where(RoundBallot.round_id.in_((early["id"], rid)))
        )
        assert stored == 1  # the one cast before closing


@pytest.mark.parametrize(
    ("terms", "field"),
    [
        ({"opens_at": "next tuesday"}, "opens_at"),
        ({"opens_at": "2020-01-01T09:00:00Z"}, "opens_at"),
        ({"closes_at": "2027-13-01T09:00:00Z"}, "closes_at"),
        ({"closes_at": "9999-12-31T23:59:59-23:59"}, "closes_at"),
        ({"opens_at": 20270301}, "opens_at"),
        ({"opens_at": "+3D", "closes_at": "+1D"}, "closes_at"),
        ({"voting": False, "closes_at": "+1D"}, "opens_at"),
        ({"min_turnout": 0}, "min_turnout"),
        ({"min_turnout": "many"}, "min_turnout"),
        ({"voting": False, "min_turnout": 3}, "min_turnout"),
    ],
)
def test_a_bad_window_or_minimum_names_its_field_and_stores_nothing(
    world: RoundWorld, terms: dict[str, Any], field: str
) -> None:
    world.build(members=1)
    body = {k: iso(timedelta(days=int(v[1:-1]))) if str(v).startswith("+") else v for k, v in terms.items()}
    body |= {"group_id": world.ref.group_id, "name": "Bad", "ballot": "approval", "rule": "greedy"}
    body |= {"top_n": 5, "leftover": "rollover"}

    response = world.client.post("/api/v1/rounds", json=body, headers=world.headers(world.admin))

    assert response.status_code in (400, 422), response.get_json()
    assert response.get_json()["error"]["field"] == field
    assert world.client.get(f"/api/v1/rounds?group_id={world.ref.group_id}").get_json()["rounds"] == []


def test_web_actions_need_their_confirmation_step(world: RoundWorld, auth) -> None:
    world.build(members=3, pledges=(1000,), costs=COSTS)
    rid = voting_round(world, voters=1)
    assert world.tally(rid).status_code == 200
    auth.login(world.admin.email)
    assert world.client.post(f"/rounds/{rid}/certification", data={"confirm": "yes"}).status_code == 403
    auth.logout()
    auth.login(world.official.email)

    bare = world.client.post(f"/rounds/{rid}/certification", follow_redirects=True)
    assert "confirm the certification" in bare.get_data(as_text=True)
    assert round_row(world, rid)["result_status"] == "provisional"
    # Until the city certifies, the leftover is what will happen, not what did.
    assert "<dt>To roll over</dt>" in world.client.get(f"/rounds/{rid}/results").get_data(as_text=True)
    done = world.client.post(f"/rounds/{rid}/certification", data={"confirm": "yes"})
    assert done.headers["Location"] == f"/rounds/{rid}/results"
    assert round_row(world, rid)["result_status"] == "certified"
    page = world.client.get(f"/rounds/{rid}/results").get_data(as_text=True)
    assert "Certified by the city" in page
    assert "<dt>Rolled over</dt>" in page


def test_voting_does_not_open_without_candidates_and_nothing_changes(world: RoundWorld) -> None:
    world.build(members=3, pledges=(1000,), costs=())
    world.costed_issue(None, likes_from=2)  # open and liked, but not costed: not a candidate
    rid = world.create()["id"]
    assert world.phase(rid, "pledging").status_code == 200

    refused = world.phase(rid, "voting")

    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert error["field"] == "phase"
    assert "no candidates" in error["message"]
    body = world.client.get(f"/api/v1/rounds/{rid}").get_json()
    assert body["phase"] == "pledging"
    assert world.client.get(f"/api/v1/rounds/{rid}/candidates").get_json()["snapshot"] is False
    world.costed_issue(50000, likes_from=1)
    assert world.phase(rid, "voting").status_code == 200
    assert world.client.get(f"/api/v1/rounds/{rid}/candidates").get_json()["snapshot"] is True


def test_a_tallied_round_is_cancelled_after_its_result_is_sent_back(world: RoundWorld) -> None:
    world.build(members=4, pledges=(1000, 1000), costs=COSTS)
    rid = voting_round(world, voters=2)
    assert world.tally(rid).status_code == 200
    path = f"/api/v1/rounds/{rid}/cancellation"

    refused = world.client.post(path, json={"reason": "Wrong list."}, headers=world.headers(world.official))

    assert refused.status_code == 409
    assert "Send its result back first" in refused.get_json()["error"]["message"]
    assert world.send_back(rid).status_code == 200
    cancelled = world.client.post(path, json={"reason": "Wrong list."}, headers=world.headers(world.official))
    assert cancelled.status_code == 200, cancelled.get_json()
    assert postings(world, rid) == 0
