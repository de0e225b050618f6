"""A resident may stop the news of funding rounds by email (voting opens, the reminder, the result): in
their settings, through the API, or with the one-click link each such mail carries, and turn it on again
in their settings. Found from outside: only leaving the group stopped them (Decidim has notification
settings)."""

# ruff: noqa: F811  (fixtures are imported, then requested by name)
from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select, update

from app.extensions import db
from app.models import Round, User
from app.models.timestamps import utcnow
from app.services.issues.notifications import Recipient, Subscription
from app.services.rounds import windows
from tests.funding.round_actions import timed_round
from tests.funding.round_world import RoundWorld, world  # noqa: F401
from tests.funding_fixtures import funding  # noqa: F401
from tests.mailbox import Outbox, link_in, mails_to, text_of

COSTS = (1500, 2000, 2500)


def round_news(world: RoundWorld, user: User) -> bool:
    with world.app.app_context():
        return bool(db.session.scalar(select(User.round_news).where(User.id == user.id)))


def test_a_round_mails_one_click_link_stops_round_news_and_settings_turn_it_on(
    world: RoundWorld, outbox: Outbox
) -> None:
    world.build(members=2, pledges=(2000,), costs=COSTS)
    rid = world.create(ballot="approval", rule="greedy", name="Spring round")["id"]
    world.open_voting(rid)
    member = world.members[0]
    (mail,) = mails_to(outbox, member.email, "Vote in “Spring round”")
    assert "Stop all emails about funding rounds: " in text_of(mail)
    link = link_in(mail, "/follows/unsubscribe/")
    assert mail["List-Unsubscribe"] == f"<http://localhost{link}>"

    asked = world.client.get(link).get_data(as_text=True)
    assert "You get emails about the funding rounds you may vote in" in asked
    assert world.client.post(link).status_code == 200  # the one-click POST of RFC 8058
    assert round_news(world, member) is False
    again = world.client.get(link).get_data(as_text=True)
    assert "You are unsubscribed" in again
    assert "turn these emails on again in your" in again

    world.auth.login_as(member)
    settings = world.client.get("/account/settings").get_data(as_text=True)
    assert 'name="round_news"' in settings
    assert "checked" not in settings.split('name="round_news"')[1].split(">")[0]
    turned_on = world.client.post(
        "/account/settings/emails", data={"round_news": "y", "csrf_token": world.auth.csrf_token()}
    )
    assert turned_on.status_code == 302
    assert round_news(world, member) is True


def test_residents_without_round_news_get_neither_the_opening_nor_the_reminder_nor_the_result(
    world: RoundWorld, outbox: Outbox
) -> None:
    world.build(members=3, pledges=(2000, 2000), costs=COSTS)
    quiet, heard = world.members[0], world.members[1]
    assert (
        world.client.patch(
            "/api/v1/account", json={"round_news": False}, headers=world.headers(quiet)
        ).get_json()["round_news"]
        is False
    )
    opens = utcnow() + timedelta(minutes=1)
    rid = timed_round(world, "Quiet round", opens, opens + timedelta(hours=30))
    assert world.phase(rid, "pledging").status_code == 200
    with world.app.app_context():
        windows.run_schedule(db.session, opens + timedelta(minutes=1), remind_hours=24)
        db.session.commit()
        db.session.execute(
            update(Round)  # voting opened two days ago and closes in two hours: the reminder is due
            .where(Round.id == rid)
            .values(opens_at=utcnow() - timedelta(days=2), closes_at=utcnow() + timedelta(hours=2))
        )
        db.session.commit()
        windows.run_schedule(db.session, utcnow(), remind_hours=24)
        db.session.commit()

    assert mails_to(outbox, heard.email, "Vote in “Quiet round”")
    (reminder,) = mails_to(outbox, heard.email, "Voting in “Quiet round” closes soon")
    assert "Stop all emails about funding rounds: " in text_of(reminder)
    assert reminder["List-Unsubscribe"]
    for member in world.members:
        assert world.vote(member, rid, issue_ids=[world.issues[0]]).status_code == 200
    world.tally_and_certify(rid)
    assert mails_to(outbox, heard.email, "Result of “Quiet round”")

    assert mails_to(outbox, quiet.email) == []
    account = world.client.get("/api/v1/account", headers=world.headers(quiet)).get_json()
    assert account["profile"]["round_news"] is False


def test_a_round_news_recipient_survives_a_fan_out_row() -> None:
    """Past MAIL_FANOUT_INLINE recipients a worker builds the mails from stored rows: the round news'
    link and its reason come through."""
    sent = Recipient("round-open:1:to:7", "kim@example.org", Subscription(7, rounds=True), "may vote in X")
    assert Recipient.from_json(json.loads(json.dumps(sent.to_json()))) == sent
    follow = Recipient("issue-event:3:to:7", "kim@example.org", Subscription(7, issue_id=3))
    assert Recipient.from_json(json.loads(json.dumps(follow.to_json()))) == follow
