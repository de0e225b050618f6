"""An event's mail to many recipients is built by a worker, not in the request that made the change
(found from outside: a status change of a problem with 2,000 followers took 8.4 s and 2,020 SQL
statements, and on SQLite every resident's like waited for it). Past MAIL_FANOUT_INLINE recipients
the change writes one fan-out row; the "mail.fanout" job queues the same mails after the commit, a
repeat of it adds nothing, and the sweep finishes a fan-out whose job was lost. Both engines."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from email.message import EmailMessage

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from app import mail
from app.extensions import db
from app.jobs import mail_delivery, mail_fanout
from app.models import Follow, Issue, MailFanout, OutgoingMail, User
from app.models.timestamps import utcnow
from app.services.issues.notifications import Recipient
from app.services.workflow import status_changes as workflow
from tests.statements import counted_statements

Outbox = Callable[[], list[EmailMessage]]
INLINE = 3

pytestmark = pytest.mark.config(MAIL_FANOUT_INLINE=INLINE)


def followers(app: Flask, make_user: Callable[..., User], issue: Issue, count: int) -> list[User]:
    users = [make_user() for _ in range(count)]
    with app.app_context():
        db.session.add_all(Follow(user_id=user.id, issue_id=issue.id) for user in users)
        db.session.commit()
    return users


def change_status(app: Flask, official: User, issue_id: int, status: str) -> tuple[int, int, int]:
    """Change a status and commit; the statements the change issued, and the outbox rows and fan-outs
    it left in its transaction before the commit."""
    with app.app_context():
        actor = db.session.get(User, official.id)
        assert actor is not None
        with counted_statements() as seen:
            workflow.change_status(db.session, actor, issue_id, status, "Crew booked.")
            statements = len(seen)
        queued = len(mail.pending_mail(db.session))
        fanouts = len(db.session.info.get(mail.PENDING_FANOUTS, []))
        db.session.commit()
    return statements, queued, fanouts


def table_count(app: Flask, model: type) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def test_many_followers_are_mailed_by_the_worker_and_the_request_does_not_grow_with_them(
    app: Flask, make_user: Callable[..., User], make_issue: Callable[..., Issue], outbox: Outbox
) -> None:
    official = make_user(role="official")
    reporter = make_user()
    few, many = make_issue(), make_issue(reporter=reporter)
    followers(app, make_user, few, 6)
    readers = followers(app, make_user, many, 30)

    small = change_status(app, official, few.id, "planned")
    large = change_status(app, official, many.id, "planned")

    # Neither request built a follower's mail (both are past the inline limit), and the one with five
    # times the followers issued exactly as many statements.
    assert (small[1:], large[1:]) == ((0, 1), (0, 1))
    assert small[0] == large[0]
    # After the commit the job queued and the worker sent one mail to each follower (the reporter of
    # each problem follows it too), each with the unsubscribe link of its own follow.
    sent = outbox()
    to_many = [m for m in sent if str(m["Subject"]).startswith(f"“{many.title}”")]
    assert len(sent) == 6 + 30 + 2
    assert sorted(str(m["To"]) for m in to_many) == sorted([*(u.email for u in readers), reporter.email])
    assert len({str(m["List-Unsubscribe"]) for m in to_many}) == 31
    with app.app_context():
        assert db.session.scalars(select(MailFanout.done_at)).all().count(None) == 0


def test_few_followers_are_mailed_in_the_request_as_before(
    app: Flask, make_user: Callable[..., User], make_issue: Callable[..., Issue], outbox: Outbox
) -> None:
    official = make_user(role="official")
    issue = make_issue()
    followers(app, make_user, issue, INLINE - 1)  # with the reporter: INLINE recipients

    _statements, queued, fanouts = change_status(app, official, issue.id, "planned")

    assert (queued, fanouts) == (INLINE, 0)
    assert len(outbox()) == INLINE
    assert table_count(app, MailFanout) == 0


def test_a_rolled_back_change_leaves_no_fanout_and_sends_nothing(
    app: Flask, make_user: Callable[..., User], make_issue: Callable[..., Issue], outbox: Outbox
) -> None:
    official = make_user(role="official")
    issue = make_issue()
    followers(app, make_user, issue, 10)
    with app.app_context():
        workflow.change_status(db.session, db.session.get(User, official.id), issue.id, "planned", "Maybe.")  # type: ignore[arg-type]
        assert len(db.session.info[mail.PENDING_FANOUTS]) == 1
        db.session.rollback()
        assert mail.PENDING_FANOUTS not in db.session.info
        db.session.commit()

    assert table_count(app, MailFanout) == 0
    assert outbox() == []


def test_a_repeated_job_adds_nothing_and_the_sweep_finishes_a_lost_one(
    app: Flask, make_user: Callable[..., User], make_issue: Callable[..., Issue], outbox: Outbox
) -> None:
    official = make_user(role="official")
    issue = make_issue()
    followers(app, make_user, issue, 10)
    change_status(app, official, issue.id, "planned")
    with app.app_context():
        fanout_id = db.session.scalars(select(MailFanout.id)).one()
        mail_fanout.fan_out(fanout_id)  # a second copy of the job: the fan-out is done
        db.session.execute(update(MailFanout).values(done_at=None))  # as if its worker died at the end
        db.session.commit()
        mail_fanout.fan_out(fanout_id)  # resumed: every mail was queued before, under its key
    assert table_count(app, OutgoingMail) == 11
    assert len(outbox()) == 11

    # A fan-out whose job was lost (the queue down at the commit, Redis restarting empty): the sweep
    # enqueues it once it has waited MAIL_SWEEP_AFTER_SECONDS, and its mails go out.
    reader = make_user()
    recipients = [Recipient(f"lost-fanout:to:{n}", reader.email, None) for n in range(INLINE + 1)]
    with app.app_context():
        lost = mail.queue_fanout(db.session, "A lost fan-out", "Its mail.", recipients_json(recipients))
        db.session.info.pop(mail.PENDING_FANOUTS)  # its job is never enqueued
        db.session.execute(
            update(MailFanout).where(MailFanout.id == lost).values(created_at=utcnow() - timedelta(minutes=5))
        )
        db.session.commit()
        assert table_count(app, OutgoingMail) == 11
        mail_delivery.sweep()
        assert db.session.get(MailFanout, lost).done_at is not None  # type: ignore[union-attr]
    assert table_count(app, OutgoingMail) == 11 + INLINE + 1
    assert [str(m["Subject"]) for m in outbox()].count("A lost fan-out") == INLINE + 1


def recipients_json(recipients: list[Recipient]) -> str:
    return json.dumps([r.to_json() for r in recipients])
