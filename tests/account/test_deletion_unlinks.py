"""Deleting an account unlinks the person from what stays: the city's census and the voting codes they used
(each round's eligible count, ballots and results stay exactly as they were), their open flags, and the
mail fan-outs that hold their address."""

# ruff: noqa: F811  (fixtures are imported, then requested by name)

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.jobs import mail_fanout
from app.models import (
    AuditEntry,
    CensusEntry,
    Flag,
    MailFanout,
    OutgoingMail,
    User,
    VotingCode,
    VotingCodeBatch,
)
from app.models.timestamps import utcnow
from app.services.issues.notifications import Recipient, Subscription
from app.services.mydata import deletion
from app.services.rounds import voter_keys
from tests import factories
from tests.funding.census_calls import OLD_TOWN_IDS, old_town, upload, verify
from tests.funding.round_world import RoundWorld, world  # noqa: F401
from tests.funding_fixtures import funding  # noqa: F401
from tests.races import Hold, race

COSTS = (3000, 2000, 1500, 1000)
CODES = ("ABCD-EFGH-JKMN", "BCDE-FGHJ-KMNP", "CDEF-GHJK-MNPQ")


def delete(world: RoundWorld, user: User) -> None:
    response = world.client.delete(
        "/api/v1/account", json={"password": factories.DEFAULT_PASSWORD}, headers=world.headers(user)
    )
    assert response.status_code == 204, response.get_json()


def round_figures(world: RoundWorld, rid: int) -> dict[str, Any]:
    """What anyone can read and check about a round: its results, its turnout and eligible count."""
    return {
        "results": world.client.get(f"/api/v1/rounds/{rid}/results").get_json(),
        "turnout": world.client.get(f"/api/v1/rounds/{rid}").get_json()["turnout"],
    }


def test_deleting_frees_the_census_entry_and_keeps_the_census_rounds_counts(world: RoundWorld) -> None:
    world.build(members=3, pledges=(5000,), costs=COSTS)
    rid = int(world.create(eligibility="census")["id"])
    assert upload(world, old_town(world), OLD_TOWN_IDS).status_code == 201
    world.open_voting(rid)
    leaver, neighbour = world.make_user(display_name="Leaving"), world.make_user(display_name="Staying")
    a, b = world.issues[:2]
    for user, identifier, choice in ((leaver, "AB-1003", a), (neighbour, "AB-1004", b)):
        assert verify(world, user, old_town(world), identifier).status_code == 200
        assert world.vote(user, rid, issue_ids=[choice]).status_code == 200
    assert world.tally(rid).status_code == 200
    before = round_figures(world, rid)
    assert before["results"]["turnout"] == {"ballots": 2, "members": 4}

    delete(world, leaver)

    with world.app.app_context():
        entries = db.session.execute(
            select(CensusEntry.user_id, CensusEntry.verified_at).order_by(CensusEntry.id)
        ).all()
    # The city's list keeps its four entries; the leaver's is unclaimed again, the neighbour's stays.
    assert len(entries) == 4
    assert [user_id for user_id, _ in entries].count(neighbour.id) == 1
    assert all(user_id != leaver.id for user_id, _ in entries)
    assert sum(1 for user_id, at in entries if user_id is None and at is None) == 3
    assert round_figures(world, rid) == before
    # The identifier is the person's, not the account's: with a new account they verify again.
    again = world.make_user(display_name="Back again")
    assert verify(world, again, old_town(world), "AB-1003").status_code == 200


def codes_round(world: RoundWorld, codes: int = 3) -> int:
    world.build(members=2, pledges=(5000,), costs=COSTS)
    rid = int(world.create(eligibility="codes")["id"])
    with world.app.app_context():
        batch = VotingCodeBatch(round_id=rid, count=codes, label="Library desk")
        db.session.add(batch)
        db.session.flush()
        for code in CODES[:codes]:
            db.session.add(VotingCode(batch_id=batch.id, round_id=rid, code_hash=voter_keys.code_hash(code)))
        db.session.commit()
    world.open_voting(rid)
    return rid


def test_deleting_unlinks_the_voting_codes_used_and_their_ballots_still_count(world: RoundWorld) -> None:
    rid = codes_round(world)
    leaver, neighbour = world.make_user(display_name="Leaving"), world.make_user(display_name="Staying")
    a, b = world.issues[:2]
    for user, code, choice in ((leaver, CODES[0], a), (neighbour, CODES[1], b)):
        claimed = world.client.post(
            f"/api/v1/rounds/{rid}/code-claims", json={"code": code}, headers=world.headers(user)
        )
        assert claimed.status_code in (200, 201), claimed.get_json()
        assert world.vote(user, rid, issue_ids=[choice]).status_code == 200
    assert world.tally(rid).status_code == 200
    before = round_figures(world, rid)
    assert before["results"]["turnout"] == {"ballots": 2, "members": 3}
    with world.app.app_context():
        leavers_code = db.session.scalars(select(VotingCode.id).where(VotingCode.user_id == leaver.id)).one()

    delete(world, leaver)

    with world.app.app_context():
        code = db.session.get(VotingCode, leavers_code)
        assert code is not None
        # Still used (a one-time code never works twice), no longer anyone's.
        assert (code.user_id, code.used_via, code.used_at is not None) == (None, "online", True)
        linked = select(func.count()).select_from(VotingCode).where(VotingCode.user_id == leaver.id)
        assert db.session.scalar(linked) == 0
        uses = db.session.execute(
            select(AuditEntry.actor_id, AuditEntry.details)
            .where(AuditEntry.action == "round.code_use")
            .order_by(AuditEntry.id)
        ).all()
    # The audit log keeps that a code was used online, but no longer which one the leaver used.
    assert [(actor, details.get("via")) for actor, details in uses] == [
        (leaver.id, "online"),
        (neighbour.id, "online"),
    ]
    assert uses[0][1]["code"] != leavers_code
    assert isinstance(uses[1][1]["code"], int)
    assert round_figures(world, rid) == before


def test_open_flags_stay_for_moderators_without_the_flagger_and_can_be_resolved(world: RoundWorld) -> None:
    # A report of abusive content must not leave moderation with its flagger; who flagged it must.
    leaver, neighbour = world.make_user(display_name="Leaving"), world.make_user(display_name="Staying")
    official = world.make_user(role="official", display_name="Moderator")
    shared, alone = world.make_issue(title="Rude words"), world.make_issue(title="Ruder words")
    for user, issue in ((leaver, shared), (neighbour, shared), (leaver, alone)):
        flagged = world.client.post(
            f"/api/v1/issues/{issue.id}/flags",
            json={"reason": "abusive", "note": f"Seen by {user.display_name}."},
            headers=world.headers(user),
        )
        assert flagged.status_code == 201, flagged.get_json()

    delete(world, leaver)

    with world.app.app_context():
        left = db.session.execute(
            select(Flag.issue_id, Flag.user_id, Flag.note, Flag.status).order_by(Flag.id)
        ).all()
    assert [tuple(row) for row in left] == [
        (shared.id, None, "Seen by Leaving.", "open"),
        (shared.id, neighbour.id, "Seen by Staying.", "open"),
        (alone.id, None, "Seen by Leaving.", "open"),
    ]
    queue = world.client.get("/api/v1/flags", headers=world.headers(official)).get_json()["items"]
    assert sorted((item["issue_id"], item["count"]) for item in queue) == [(shared.id, 2), (alone.id, 1)]
    for issue, resolved in ((alone, 1), (shared, 2)):
        response = world.client.post(
            f"/api/v1/flags/issue/{issue.id}/resolution",
            json={"action": "dismiss"},
            headers=world.headers(official),
        )
        assert (response.status_code, response.get_json()) == (200, {"resolved": resolved})
    with world.app.app_context():
        recipients = db.session.scalars(
            select(OutgoingMail.recipient).where(OutgoingMail.event_key.like("flag:%"))
        )
        assert sorted(recipients) == [neighbour.email]


def test_mail_fanouts_forget_the_persons_address_and_send_them_nothing(world: RoundWorld) -> None:
    # A fan-out keeps every recipient's address (done or not); one still waiting for its worker would
    # otherwise mail the deleted account after the outbox was cleared.
    leaver, neighbour = world.make_user(display_name="Leaving"), world.make_user(display_name="Staying")
    issue = world.make_issue(title="Pothole")

    def recipients(key: str) -> str:
        return json.dumps(
            [
                Recipient(f"{key}:to:{user.id}", user.email, Subscription(user.id, issue.id)).to_json()
                for user in (leaver, neighbour)
            ]
        )

    with world.app.app_context():
        waiting = MailFanout(subject="Planned", body="Crew booked.", recipients=recipients("waiting"))
        done = MailFanout(subject="Fixed", body="Done.", recipients=recipients("done"), done_at=utcnow())
        db.session.add_all([waiting, done])
        db.session.commit()
        ids = (waiting.id, done.id)

    delete(world, leaver)

    with world.app.app_context():
        for fanout_id in ids:
            fanout = db.session.get(MailFanout, fanout_id)
            assert fanout is not None
            assert [row[1] for row in json.loads(fanout.recipients)] == [neighbour.email]
        mail_fanout.fan_out(ids[0])  # the worker runs after the deletion
        sent_to = db.session.scalars(select(OutgoingMail.recipient)).all()
    assert leaver.email not in sent_to
    assert neighbour.email in sent_to


def test_a_fanout_job_that_read_its_recipients_before_a_deletion_mails_the_address_nothing(
    world: RoundWorld,
) -> None:
    """Found in an outside pass: a fan-out job holds its recipients from its start, so a deletion that
    committed meanwhile took the address out of the fan-out's row but not out of the job's hands, and
    the job queued one more mail to it. Each chunk now leaves out accounts deleted by then."""
    leaver, neighbour = world.make_user(display_name="Leaving"), world.make_user(display_name="Staying")
    issue = world.make_issue(title="Pothole")
    held = [
        Recipient(f"held:to:{user.id}", user.email, Subscription(user.id, issue.id))
        for user in (leaver, neighbour)
    ]  # what the job read before the deletion

    delete(world, leaver)

    with world.app.app_context():
        mail_fanout.queue_chunk(db.session, "Planned", "Crew booked.", held)
        sent_to = db.session.scalars(select(OutgoingMail.recipient)).all()
    assert sent_to == [neighbour.email]


def test_a_fanout_chunk_written_while_a_deletion_runs_waits_for_it_and_leaves_the_address_out(
    world: RoundWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race itself: a deletion has cleared the address's outbox and is paused before its commit while
    a fan-out job queues a chunk naming that address. Before, the chunk's mail was committed after the
    clearing and stayed. The chunk now waits for the deletion (its user row's lock; SQLite's write
    lock), then finds the account gone. Real threads, real sessions, both engines."""
    leaver, neighbour = world.make_user(display_name="Leaving"), world.make_user(display_name="Staying")
    issue = world.make_issue(title="Pothole")
    chunk = [
        Recipient(f"race:to:{user.id}", user.email, Subscription(user.id, issue.id))
        for user in (leaver, neighbour)
    ]
    # The deletion has cleared the address's outbox and fan-outs, not yet committed, when the chunk comes.
    held = Hold().after(monkeypatch, deletion, "_forget_in_fanouts")

    def delete_account() -> None:
        with world.app.app_context():
            user = db.session.get(User, leaver.id)
            assert user is not None
            deletion.delete_account(db.session, user, factories.DEFAULT_PASSWORD)
            db.session.commit()

    def queue_chunk() -> None:
        with world.app.app_context():
            mail_fanout.queue_chunk(db.session, "Planned", "Crew booked.", chunk)

    race(delete_account, queue_chunk, held)

    with world.app.app_context():
        sent_to = db.session.scalars(select(OutgoingMail.recipient)).all()
    assert sent_to == [neighbour.email]


def test_a_deletion_that_fails_midway_leaves_every_link_in_place(
    world: RoundWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    # All or nothing: the census entry, the code, the flag and the fan-out are rewritten in the
    # deletion's one transaction, so a failure at its last step (the audit entry) undoes them too.
    rid = codes_round(world)
    leaver = world.make_user(display_name="Leaving")
    assert upload(world, old_town(world), OLD_TOWN_IDS).status_code == 201
    assert verify(world, leaver, old_town(world), "AB-1001").status_code == 200
    claimed = world.client.post(
        f"/api/v1/rounds/{rid}/code-claims", json={"code": CODES[0]}, headers=world.headers(leaver)
    )
    assert claimed.status_code in (200, 201), claimed.get_json()
    issue = world.make_issue(title="Rude words")
    flagged = world.client.post(
        f"/api/v1/issues/{issue.id}/flags", json={"reason": "spam"}, headers=world.headers(leaver)
    )
    assert flagged.status_code == 201
    row = Recipient(f"waiting:to:{leaver.id}", leaver.email, Subscription(leaver.id, issue.id))
    with world.app.app_context():
        db.session.add(MailFanout(subject="Planned", body="Crew.", recipients=json.dumps([row.to_json()])))
        db.session.commit()

    def links() -> dict[str, Any]:
        with world.app.app_context():
            return {
                "census": db.session.scalars(
                    select(CensusEntry.user_id).where(CensusEntry.user_id.is_not(None))
                ).all(),
                "codes": db.session.scalars(
                    select(VotingCode.user_id).where(VotingCode.user_id.is_not(None))
                ).all(),
                "flags": db.session.scalars(select(Flag.user_id)).all(),
                "fanouts": db.session.scalars(select(MailFanout.recipients)).all(),
                "user": db.session.scalars(select(User.email).where(User.id == leaver.id)).all(),
            }

    before = links()
    assert before["census"] == before["codes"] == before["flags"] == [leaver.id]

    def fail(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the audit log is unreachable")

    monkeypatch.setattr(deletion.audit, "record", fail)
    with world.app.app_context():
        user = db.session.get(User, leaver.id)
        assert user is not None
        with pytest.raises(RuntimeError, match="unreachable"):
            deletion.delete_account(db.session, user, factories.DEFAULT_PASSWORD)
        db.session.rollback()  # as the request's error handler does
    assert links() == before
