"""Likes as ballots through the API: a likes round's ballot is the member's likes among the candidates,
read live while voting is open, snapshotted when voting closes, tallied with Equal Shares, exported."""

# ruff: noqa: F811  (fixtures are imported, then requested by name)

from __future__ import annotations

import contextlib
import io
from datetime import timedelta
from typing import Any

from pabulib.checker import Checker
from sqlalchemy import func, select, update

from app.extensions import db
from app.jobs.queue import enqueue
from app.jobs.round_schedule import SCHEDULE_JOB
from app.models import AuditEntry, Issue, Like, Membership, Round, RoundBallot, User
from app.models.timestamps import utcnow
from budgets import Ballot, Election, Project, allocate, parse_pb
from tests.funding.round_world import RoundWorld, world  # noqa: F401
from tests.funding_fixtures import funding  # noqa: F401

COSTS = (3000, 2000, 1500, 1000)


def likes_round(world: RoundWorld, **terms: Any) -> int:
    body = {"ballot": "likes", **terms}
    created = world.client.post(
        "/api/v1/rounds",
        json={
            "group_id": world.ref.group_id,
            "name": "Likes round",
            "top_n": 10,
            "leftover": "rollover",
            **body,
        },
        headers=world.headers(world.admin),
    )
    assert created.status_code == 201, created.get_json()
    return int(created.get_json()["id"])


def my_ballot(world: RoundWorld, user: User, rid: int) -> dict[str, Any]:
    response = world.client.get(f"/api/v1/rounds/{rid}/ballot", headers=world.headers(user))
    assert response.status_code == 200
    return dict(response.get_json())


def api_like(world: RoundWorld, user: User, issue_id: int, liked: bool = True) -> None:
    send = world.client.post if liked else world.client.delete
    assert send(f"/api/v1/issues/{issue_id}/like", headers=world.headers(user)).status_code == 200


def stored_ballots(world: RoundWorld, rid: int) -> dict[int, list[int]]:
    with world.app.app_context():
        rows = db.session.execute(
            select(RoundBallot.user_id, RoundBallot.choices).where(RoundBallot.round_id == rid)
        )
        return {user_id: sorted(int(k) for k in choices) for user_id, choices in rows}


def like_rows(world: RoundWorld) -> int:
    with world.app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(Like)) or 0)


def test_a_likes_round_allocates_with_equal_shares_unless_told_otherwise(world: RoundWorld) -> None:
    world.build(members=2, costs=COSTS)

    created = world.client.get(f"/api/v1/rounds/{likes_round(world)}").get_json()
    chosen = world.client.get(f"/api/v1/rounds/{likes_round(world, rule='greedy')}").get_json()

    assert (created["ballot"], created["rule"], created["k"], created["points"]) == (
        "likes",
        "equalshares/add1",
        None,
        None,
    )
    assert created["voting"] is True
    assert chosen["rule"] == "greedy"


def test_a_likes_round_refuses_k_points_and_no_voting_phase_and_stores_nothing(world: RoundWorld) -> None:
    world.build(members=1, costs=COSTS)
    base = {
        "group_id": world.ref.group_id,
        "name": "Bad",
        "ballot": "likes",
        "top_n": 5,
        "leftover": "rollover",
    }
    cases = [
        ({"k": 2}, "k"),
        ({"points": 10}, "points"),
        ({"voting": False}, "voting"),
        ({"rule": "best"}, "rule"),
    ]
    for extra, field in cases:
        response = world.client.post(
            "/api/v1/rounds", json={**base, **extra}, headers=world.headers(world.admin)
        )
        assert response.status_code == 422, extra
        error = response.get_json()["error"]
        assert error["field"] == field
        assert field in error["message"]
    with world.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Round)) == 0

    rid = world.create(ballot="k-approval", k=3)["id"]
    patched = world.client.patch(
        f"/api/v1/rounds/{rid}", json={"ballot": "likes", "k": 2}, headers=world.headers(world.admin)
    )
    assert patched.status_code == 422
    assert patched.get_json()["error"]["field"] == "k"
    switched = world.client.patch(
        f"/api/v1/rounds/{rid}", json={"ballot": "likes"}, headers=world.headers(world.admin)
    )
    assert switched.status_code == 200
    assert (switched.get_json()["ballot"], switched.get_json()["k"]) == ("likes", None)


def test_likes_before_and_during_voting_are_the_ballot_and_the_ballot_likes(world: RoundWorld) -> None:
    world.build(members=3, pledges=(2000, 2000, 2000), costs=COSTS)
    a, b, c, d = world.issues
    first, second, third = world.members
    rid = likes_round(world)
    api_like(world, first, a)
    api_like(world, first, b)  # before voting opens
    world.open_voting(rid)

    assert my_ballot(world, first, rid) == {
        "round_id": rid,
        "cast": True,
        "issue_ids": [a, b],
        "counts": True,
    }
    assert my_ballot(world, second, rid) == {"round_id": rid, "cast": False}
    api_like(world, second, c)  # a like given elsewhere during voting joins the ballot
    api_like(world, first, b, liked=False)  # a like withdrawn elsewhere leaves it
    assert my_ballot(world, second, rid)["issue_ids"] == [c]
    assert my_ballot(world, first, rid)["issue_ids"] == [a]

    put = world.vote(third, rid, issue_ids=[d, a])  # the ballot likes and unlikes the problems
    assert put.status_code == 200, put.get_json()
    assert put.get_json()["issue_ids"] == [a, d]
    liked = world.client.get(f"/api/v1/issues/{d}", headers=world.headers(third)).get_json()
    assert liked["properties"]["liked_by_me"] is True
    with world.app.app_context():
        before = db.session.get(Issue, a).likes_count
    assert world.vote(third, rid, issue_ids=[d]).get_json()["issue_ids"] == [d]
    with world.app.app_context():
        assert db.session.get(Issue, a).likes_count == before - 1  # the count follows, as for any unlike
    assert world.vote(third, rid, issue_ids=[]).get_json() == {"round_id": rid, "cast": False}
    assert stored_ballots(world, rid) == {}  # nothing stored while voting: the likes are the ballot


def test_bad_toggles_outside_the_window_for_outsiders_and_non_candidates_change_nothing(
    world: RoundWorld,
) -> None:
    world.build(members=2, costs=COSTS)
    a = world.issues[0]
    outsider = world.make_user(display_name="Not a member")
    rid = likes_round(world)
    count = like_rows(world)

    early = world.vote(world.members[0], rid, issue_ids=[a])
    assert early.status_code == 409
    assert early.get_json()["error"]["field"] == "phase"
    world.open_voting(rid)
    stranger = world.vote(outsider, rid, issue_ids=[a])
    assert stranger.status_code == 403  # the eligibility check says why and what to do
    assert stranger.get_json()["error"]["field"] == "eligibility"
    bad = [
        ({"issue_ids": [999999]}, "issue_ids"),
        ({"issue_ids": ["x"]}, "issue_ids"),
        ({"points": {}}, "issue_ids"),
    ]
    for body, field in bad:
        response = world.vote(world.members[0], rid, **body)
        assert response.status_code == 422, body
        assert response.get_json()["error"]["field"] == field
    assert (
        world.client.post(
            f"/api/v1/rounds/{rid}/voting-close", headers=world.headers(world.admin)
        ).status_code
        == 200
    )
    late = world.vote(world.members[0], rid, issue_ids=[a])
    assert late.status_code == 409
    assert late.get_json()["error"]["field"] in ("phase", "closes_at")
    assert like_rows(world) == count


def test_closing_snapshots_the_likes_and_the_tally_uses_equal_shares(world: RoundWorld) -> None:
    world.build(members=4, pledges=(1500, 1500, 1500, 1500), costs=COSTS)
    a, b, c, d = world.issues
    m1, m2, m3, m4 = world.members
    rid = likes_round(world)
    world.open_voting(rid)
    for member, liked in ((m1, [a]), (m2, [a, b]), (m3, [c, d]), (m4, [d])):
        for issue_id in liked:
            api_like(world, member, issue_id)

    closed = world.client.post(f"/api/v1/rounds/{rid}/voting-close", headers=world.headers(world.admin))
    assert closed.status_code == 200
    assert closed.get_json()["voting_open"] is False
    expected = {m1.id: [a], m2.id: [a, b], m3.id: [c, d], m4.id: [d]}
    assert stored_ballots(world, rid) == expected
    # Likes after the close are likes, not votes; the outsiders who liked every issue never voted.
    api_like(world, m1, b)
    api_like(world, m4, a, liked=False)
    assert my_ballot(world, m4, rid)["issue_ids"] == [d]
    assert stored_ballots(world, rid) == expected

    results = world.tally(rid).get_json()
    assert results["rule"] == "equalshares/add1"
    assert results["turnout"] == {"ballots": 4, "members": 5}
    assert all(item["explanation"] for item in results["funded"] + results["unfunded"])
    # The same allocation, computed independently from the approval ballots the likes made.
    election = Election(
        tuple(Project(str(i), cost, {}) for i, cost in zip(world.issues, COSTS, strict=True)),
        tuple(Ballot(tuple(str(i) for i in ids), None, str(n)) for n, ids in enumerate(expected.values(), 1)),
        6000,
        "approval",
        {},
    )
    assert results["budget_cents"] == 6000
    assert {str(f["issue_id"]) for f in results["funded"]} == set(
        allocate(election, "equalshares/add1").selected
    )
    with world.app.app_context():
        closes = db.session.scalars(
            select(AuditEntry.details).where(
                AuditEntry.action == "round.voting_close", AuditEntry.target_id == str(rid)
            )
        ).all()
    assert [(entry["by"], entry["ballots"]) for entry in closes] == [("hand", 4)]


def test_a_tally_without_a_close_snapshots_the_likes_first(world: RoundWorld) -> None:
    world.build(members=2, pledges=(2000, 2000), costs=COSTS)
    a, b, _c, d = world.issues
    rid = likes_round(world)
    world.open_voting(rid)
    api_like(world, world.members[0], a)
    api_like(world, world.members[1], d)

    results = world.tally(rid).get_json()

    assert results["turnout"]["ballots"] == 2
    assert stored_ballots(world, rid) == {world.members[0].id: [a], world.members[1].id: [d]}
    state = world.client.get(f"/api/v1/rounds/{rid}").get_json()
    assert state["voting_closed_at"] is not None
    assert world.vote(world.members[0], rid, issue_ids=[b]).status_code == 409


def test_the_export_records_the_likes_as_approval_ballots_and_passes_the_checker(world: RoundWorld) -> None:
    world.build(members=3, pledges=(1000, 1000, 1000), costs=COSTS)
    a, b, c, d = world.issues
    rid = likes_round(world)
    world.open_voting(rid)
    for member, liked in zip(world.members, ([a, b], [b], [c, d]), strict=True):
        assert world.vote(member, rid, issue_ids=liked).status_code == 200
    results = world.tally(rid).get_json()

    text = world.client.get(f"/api/v1/rounds/{rid}/export.pb").get_data(as_text=True)

    with contextlib.redirect_stdout(io.StringIO()):
        report = Checker().process_files([text])
    assert report["metadata"] == {"processed": 1, "valid": 1, "invalid": 0}, report
    election = parse_pb(text)
    assert election.vote_type == "approval"
    assert election.meta["rule"] == "equalshares/add1"
    # Compared as numbers: as text, "10" sorts before "9" once the ids pass 9 (a CI-only failure).
    assert sorted(sorted(int(p) for p in v.projects) for v in election.ballots) == sorted(
        [sorted([a, b]), [b], sorted([c, d])]
    )
    funded = {str(f["issue_id"]) for f in results["funded"]}
    assert set(allocate(election, "equalshares/add1").selected) == funded


def test_the_schedule_closes_with_a_snapshot_and_reminds_members_who_like_nothing_once(
    world: RoundWorld, outbox
) -> None:
    world.build(members=3, pledges=(1000,), costs=COSTS)
    a = world.issues[0]
    closes = (utcnow() + timedelta(hours=30)).replace(microsecond=0).isoformat() + "Z"
    rid = likes_round(world, closes_at=closes)
    world.open_voting(rid)
    api_like(world, world.members[0], a)
    outsider_like_on_non_candidate = world.costed_issue(None, likes_from=0)
    api_like(world, world.members[1], outsider_like_on_non_candidate)  # not a candidate: no vote

    def move_back(by: timedelta) -> None:
        """As if `by` had passed: the round's times, and when its members joined, move that far back."""
        with world.app.app_context():
            found = db.session.get(Round, rid)
            db.session.execute(
                update(Round)
                .where(Round.id == rid)
                .values(closes_at=found.closes_at - by, voting_at=found.voting_at - by)
            )
            for membership in db.session.scalars(
                select(Membership).where(Membership.group_id == found.group_id)
            ):
                membership.joined_at -= by
            db.session.commit()

    move_back(timedelta(hours=10))
    enqueue(world.app, SCHEDULE_JOB)
    enqueue(world.app, SCHEDULE_JOB)
    reminders = [m for m in outbox() if "closes soon" in str(m["Subject"])]
    expected = {world.members[1].email, world.members[2].email, world.admin.email}
    assert sorted(str(m["To"]) for m in reminders) == sorted(expected)
    assert "your likes are your vote" in reminders[0].get_content()
    assert f"/rounds/{rid}/ballot" in reminders[0].get_content()

    api_like(world, world.members[2], a)
    move_back(timedelta(hours=21))
    enqueue(world.app, SCHEDULE_JOB)
    assert stored_ballots(world, rid) == {world.members[0].id: [a], world.members[2].id: [a]}
    assert world.client.get(f"/api/v1/rounds/{rid}").get_json()["voting_open"] is False
    assert len([m for m in outbox() if "closes soon" in str(m["Subject"])]) == 3


def test_a_blocked_members_likes_do_not_vote_and_a_sent_back_result_keeps_the_snapshot(
    world: RoundWorld,
) -> None:
    world.build(members=3, pledges=(2000, 2000, 2000), costs=COSTS)
    a, b, c, _d = world.issues
    kept, blocked, changer = world.members
    rid = likes_round(world)
    world.open_voting(rid)
    api_like(world, kept, a)
    api_like(world, blocked, b)
    api_like(world, changer, c)
    with world.app.app_context():
        db.session.execute(update(User).where(User.id == blocked.id).values(is_blocked=True))
        db.session.commit()
    refused = world.vote(blocked, rid, issue_ids=[a])
    assert refused.status_code == 403

    first = world.tally(rid).get_json()
    assert first["turnout"]["ballots"] == 2
    assert stored_ballots(world, rid) == {kept.id: [a], changer.id: [c]}
    assert world.send_back(rid).status_code == 200
    api_like(world, changer, c, liked=False)  # after the close: a like, not a vote
    assert world.vote(changer, rid, issue_ids=[a]).status_code == 409

    again = world.tally(rid).get_json()
    assert again["turnout"]["ballots"] == 2
    assert stored_ballots(world, rid) == {kept.id: [a], changer.id: [c]}
    assert {f["issue_id"] for f in again["funded"]} == {f["issue_id"] for f in first["funded"]}


def test_a_member_who_joined_after_voting_opened_is_told_so_not_offered_likes(
    world: RoundWorld, auth
) -> None:
    """Found from outside: the likes ballot offered a late member like buttons, then a bare 403 page."""
    world.build(members=1, pledges=(1000,), costs=COSTS)
    rid = likes_round(world)
    world.open_voting(rid)
    assert world.ref is not None
    late = world.funding.member(world.ref)
    auth.login(late.email)

    page = world.client.get(f"/rounds/{rid}/ballot").get_data(as_text=True)

    assert 'data-testid="refusal"' in page
    assert "after voting opened" in page
    assert f'action="/rounds/{rid}/ballot/likes/' not in page
