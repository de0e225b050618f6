"""A round's voters hear when its voting opens and when its result is certified, once each.

Found from outside: nobody heard that voting had opened (only a reminder before it closed, to those who
had not voted), nor which problems the certified result funds."""

# ruff: noqa: F811  (fixtures are imported, then requested by name)
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from app.extensions import db
from app.models import Round, User
from app.models.timestamps import utcnow
from app.services.rounds import windows
from tests.funding.round_actions import timed_round
from tests.funding.round_world import RoundWorld, world  # noqa: F401
from tests.funding_fixtures import funding  # noqa: F401
from tests.mailbox import Outbox, mails_to, text_of

COSTS = (1500, 2000, 2500)


def test_voters_hear_that_voting_opened_and_what_the_result_funds(world: RoundWorld, outbox: Outbox) -> None:
    world.build(members=3, pledges=(2000, 2000), costs=COSTS)
    outsider = world.make_user(display_name="Not A Member")
    blocked = world.funding.member(world.ref)
    with world.app.app_context():
        db.session.execute(update(User).where(User.id == blocked.id).values(is_blocked=True))
        db.session.commit()
    rid = world.create(ballot="approval", rule="greedy", name="Spring round")["id"]

    world.open_voting(rid)

    voters = [world.admin, *world.members]
    for voter in voters:
        (mail,) = mails_to(outbox, voter.email, "Vote in “Spring round”")
        text = text_of(mail)
        assert "Voting is open in " in text
        assert f"/rounds/{rid}/ballot" in text
        assert "You get this email because you may vote in " in text
    assert mails_to(outbox, outsider.email) == []
    assert mails_to(outbox, blocked.email) == []  # found from outside: invited, then refused a ballot
    a, b, _c = world.issues
    for member in world.members:
        assert world.vote(member, rid, issue_ids=[a, b]).status_code == 200

    world.tally_and_certify(rid)

    for voter in voters:
        (mail,) = mails_to(outbox, voter.email, "Result of “Spring round”")
        text = text_of(mail)
        assert "is certified by the city. The city plans these 2 problems:" in text
        assert "(EUR 15.00)" in text
        assert f"/rounds/{rid}/results" in text
        assert "You get this email because you could vote in the round" in text


def test_a_round_opened_by_its_schedule_is_announced_once(world: RoundWorld, outbox: Outbox) -> None:
    world.build(members=2, pledges=(2000,), costs=COSTS)
    opens = utcnow() + timedelta(hours=1)
    closes = opens + timedelta(days=7)
    rid = timed_round(world, "Timed round", opens, closes)
    assert world.phase(rid, "pledging").status_code == 200
    with world.app.app_context():
        for _ in range(2):  # the schedule runs every minute; a second run opens nothing
            windows.run_schedule(db.session, opens + timedelta(minutes=1), remind_hours=24)
            db.session.commit()
        assert db.session.get(Round, rid).phase == "voting"  # type: ignore[union-attr]

    for member in world.members:
        (mail,) = mails_to(outbox, member.email, "Vote in “Timed round”")
        assert ", until " in text_of(mail)


def test_voters_hear_when_the_city_cancels_a_round_they_were_asked_to_vote_in(
    world: RoundWorld, outbox: Outbox
) -> None:
    """Found from outside: invited by "Vote in ...", they heard nothing when the city cancelled it."""
    world.build(members=2, pledges=(2000,), costs=COSTS)
    early = world.create(name="Set up by mistake")["id"]
    path = f"/api/v1/rounds/{early}/cancellation"
    assert (
        world.client.post(path, json={"reason": "Wrong."}, headers=world.headers(world.admin)).status_code
        == 200
    )
    assert [m for m in outbox() if "cancelled" in str(m["Subject"])] == []  # nobody was invited to it

    rid = world.create(ballot="approval", rule="greedy", name="Autumn round")["id"]
    world.open_voting(rid)
    cancelled = world.client.post(
        f"/api/v1/rounds/{rid}/cancellation",
        json={"reason": "The works were done by the utility."},
        headers=world.headers(world.official),
    )
    assert cancelled.status_code == 200, cancelled.get_json()

    for voter in (world.admin, *world.members):
        (mail,) = mails_to(outbox, voter.email, "“Autumn round” is cancelled")
        text = text_of(mail)
        assert "The city cancelled the round “Autumn round” of " in text
        assert ": The works were done by the utility." in text
        assert "the pool keeps its money for the next round" in text
        assert "Stop all emails about funding rounds: " in text


def test_voters_told_voting_opens_later_hear_when_its_admins_cancel_it(
    world: RoundWorld, outbox: Outbox
) -> None:
    """Found in a recheck: invited by "Voting opens on ...", they heard nothing when the round was
    cancelled before that day; and an admin's cancellation is not said to be the city's."""
    world.build(members=2, pledges=(2000,), costs=COSTS)
    opens = utcnow() + timedelta(hours=2)
    rid = timed_round(world, "Later round", opens, opens + timedelta(days=1))
    world.open_voting(rid)
    assert "Voting opens on " in text_of(mails_to(outbox, world.members[0].email, "Vote in “Later round”")[0])

    path = f"/api/v1/rounds/{rid}/cancellation"
    assert (
        world.client.post(
            path, json={"reason": "Wrong dates."}, headers=world.headers(world.admin)
        ).status_code
        == 200
    )

    for voter in (world.admin, *world.members):
        (mail,) = mails_to(outbox, voter.email, "“Later round” is cancelled")
        assert "The admins of " in text_of(mail)
        assert "cancelled the round “Later round” of " in text_of(mail)
        assert ": Wrong dates." in text_of(mail)
