"""The rounds' schedule job: voting opens and closes on time, members who have not voted are reminded
once, and running the job again changes nothing. Time is advanced by moving the round's times back."""

# ruff: noqa: F811  (fixtures are imported, then requested by name)

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update

from app.extensions import db
from app.jobs.queue import enqueue
from app.jobs.round_schedule import SCHEDULE_JOB, run_schedule_at
from app.models import AuditEntry, Round
from app.models.timestamps import utcnow
from tests.funding.round_world import RoundWorld, world  # noqa: F401
from tests.funding_fixtures import funding  # noqa: F401

HOUR = timedelta(hours=1)


def at(delta: timedelta) -> str:
    return (utcnow() + delta).replace(microsecond=0).isoformat() + "Z"


def advance(world: RoundWorld, rid: int, by: timedelta) -> None:
    """As if `by` had passed: the round's times move that far into the past."""
    with world.app.app_context():
        found = db.session.get(Round, rid)
        db.session.execute(
            update(Round)
            .where(Round.id == rid)
            .values(opens_at=found.opens_at - by, closes_at=found.closes_at - by)
        )
        db.session.commit()


def run_job(world: RoundWorld) -> None:
    """The periodic job as the worker's scheduler runs it (memory:// runs it at once, in this process)."""
    enqueue(world.app, SCHEDULE_JOB)


def schedule_audit(world: RoundWorld, rid: int) -> list[tuple[str, int | None]]:
    with world.app.app_context():
        return list(
            db.session.execute(
                select(AuditEntry.action, AuditEntry.actor_id)
                .where(AuditEntry.target_id == str(rid), AuditEntry.details["by"].as_string() == "schedule")
                .order_by(AuditEntry.id)
            ).tuples()
        )


def state(world: RoundWorld, rid: int) -> dict:
    return world.client.get(f"/api/v1/rounds/{rid}").get_json()


def test_voting_opens_reminds_and_closes_on_schedule(world: RoundWorld, outbox) -> None:
    world.build(members=4, pledges=(1000, 1000), costs=(1500, 1000, 500))
    rid = world.create(opens_at=at(HOUR), closes_at=at(30 * HOUR))["id"]
    assert world.phase(rid, "pledging").status_code == 200

    run_job(world)  # nothing is due yet
    assert state(world, rid)["phase"] == "pledging"

    advance(world, rid, HOUR + timedelta(minutes=1))
    run_job(world)
    run_job(world)  # idempotent
    opened = state(world, rid)
    assert (opened["phase"], opened["voting_open"]) == ("voting", True)
    assert world.client.get(f"/api/v1/rounds/{rid}/candidates").get_json()["snapshot"] is True
    for member in world.members[:2]:
        assert world.vote(member, rid, issue_ids=[world.issues[0]]).status_code == 200

    advance(world, rid, 6 * HOUR)  # closes in under 24 hours: the reminder is due
    run_job(world)
    run_job(world)
    reminders = [m for m in outbox() if "closes soon" in str(m["Subject"])]
    voted = {m.email for m in world.members[:2]}
    expected = {m.email for m in world.members[2:]} | {world.admin.email}
    assert {str(m["To"]) for m in reminders} == expected
    assert len(reminders) == len(expected)  # once each
    assert not voted & {str(m["To"]) for m in reminders}
    assert f"/rounds/{rid}/ballot" in reminders[0].get_content()

    advance(world, rid, 24 * HOUR)  # past closes_at
    run_job(world)
    closed = state(world, rid)
    assert closed["voting_open"] is False
    assert closed["voting_closed_at"] is not None
    late = world.vote(world.members[3], rid, issue_ids=[world.issues[1]])
    assert late.status_code == 409
    assert "closed at" in late.get_json()["error"]["message"]
    run_job(world)
    assert len([m for m in outbox() if "closes soon" in str(m["Subject"])]) == len(expected)

    assert [action for action, _ in schedule_audit(world, rid)] == [
        "round.phase",
        "round.remind",
        "round.voting_close",
    ]
    assert {actor for _, actor in schedule_audit(world, rid)} == {None}
    tallied = world.tally(rid)
    assert tallied.status_code == 200
    assert tallied.get_json()["status"] == "provisional"
    assert tallied.get_json()["turnout"]["ballots"] == 2


def test_a_window_shorter_than_the_reminders_lead_gets_no_reminder(world: RoundWorld, outbox) -> None:
    """Found from outside: a round opened 3 hours before it closed mailed "Vote in ..." and, a minute
    later, "closes soon ... you have not voted yet"."""
    world.build(members=2, pledges=(1000,), costs=(1500, 1000))
    rid = world.create(opens_at=at(HOUR), closes_at=at(3 * HOUR))["id"]
    assert world.phase(rid, "pledging").status_code == 200

    advance(world, rid, HOUR + timedelta(minutes=1))
    run_job(world)
    run_job(world)

    assert state(world, rid)["phase"] == "voting"
    assert [m for m in outbox() if "closes soon" in str(m["Subject"])] == []
    assert len([m for m in outbox() if str(m["Subject"]).startswith("Vote in")]) == 3  # admin and members
    assert [action for action, _ in schedule_audit(world, rid)] == ["round.phase", "round.remind"]


def test_the_schedule_skips_rounds_without_times_and_draft_rounds(world: RoundWorld) -> None:
    world.build(members=1, pledges=(1000,), costs=(500,))
    by_hand = world.create()["id"]
    world.open_voting(by_hand)
    draft = world.create(opens_at=at(HOUR), closes_at=at(2 * HOUR))["id"]
    far = utcnow() + timedelta(days=30)
    with world.app.app_context():
        done = run_schedule_at(far)
    assert (done.opened, done.closed, done.reminded) == ([], [], {})
    assert state(world, by_hand)["voting_open"] is True
    assert state(world, draft)["phase"] == "draft"


def test_the_schedule_is_a_periodic_job(world: RoundWorld) -> None:
    from app.jobs.queue import queue_of

    due = [task.name for task in queue_of(world.app).read_periodic(datetime(2026, 12, 3, 12, 7))]
    assert SCHEDULE_JOB in due


def test_census_rounds_remind_the_verified_residents_who_have_not_voted(world: RoundWorld, outbox) -> None:
    world.build(members=2, pledges=(1000,), costs=(1500, 1000))
    rid = world.create(eligibility="census", closes_at=at(30 * HOUR))["id"]
    census = {"identifiers": ["ID-1", "ID-2", "ID-3"]}
    area = world.funding.city["Old Town"]
    assert (
        world.client.post(
            f"/api/v1/areas/{area}/census", json=census, headers=world.headers(world.official)
        ).status_code
        == 201
    )
    neighbour, voter = world.make_user(display_name="Neighbour"), world.make_user(display_name="Voter")
    for user, identifier in ((neighbour, "ID-1"), (voter, "ID-2")):
        verified = world.client.post(
            f"/api/v1/areas/{area}/census/verification",
            json={"identifier": identifier},
            headers=world.headers(user),
        )
        assert verified.status_code == 200
    world.open_voting(rid)
    assert world.vote(voter, rid, issue_ids=[world.issues[0]]).status_code == 200
    with world.app.app_context():  # as if 20 hours had passed since voting opened
        found = db.session.get(Round, rid)
        db.session.execute(
            update(Round)
            .where(Round.id == rid)
            .values(voting_at=found.voting_at - 20 * HOUR, closes_at=found.closes_at - 20 * HOUR)
        )
        db.session.commit()

    run_job(world)  # closes within ROUND_REMINDER_HOURS: the reminder is due

    reminders = [m for m in outbox() if "closes soon" in str(m["Subject"])]
    # The census decides: the verified neighbour who has not voted, not the group's unverified members.
    assert [str(m["To"]) for m in reminders] == [neighbour.email]


def test_the_schedule_opens_voting_only_once_there_is_a_candidate(world: RoundWorld) -> None:
    world.build(members=1, pledges=(1000,), costs=())
    rid = world.create(opens_at=at(HOUR), closes_at=at(3 * HOUR))["id"]
    assert world.phase(rid, "pledging").status_code == 200
    with world.app.app_context():
        done = run_schedule_at(utcnow() + 2 * HOUR)
    assert done.opened == []
    assert state(world, rid)["phase"] == "pledging"

    world.costed_issue(500, likes_from=1)
    with world.app.app_context():
        done = run_schedule_at(utcnow() + 2 * HOUR)
    assert done.opened == [rid]
    assert world.client.get(f"/api/v1/rounds/{rid}/candidates").get_json()["snapshot"] is True
