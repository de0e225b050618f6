"""Reports held until their reporter's address is confirmed: published, or discarded by their reporter.

A report made before the address was confirmed waits, hidden, under `awaiting_confirmation`. The first
confirmation link publishes it: whoever opens the link mailed at registration is its registrant. A
confirmation that answered a second registration, or a password reset of an unconfirmed account,
proves the mailbox but not who made the reports (found from outside: someone who registered another
person's address first had their held report published under that person's account once the owner
confirmed). Those reports wait for their reporter to publish or discard each one.
"""

from __future__ import annotations

from sqlalchemy import select, update

from app.database.sessions import DbSession
from app.models import Issue, User
from app.models.timestamps import utcnow
from app.services.issues.notifications import notify_new_issue
from app.services.issues.report_deletion import lock_report, retire_report
from app.services.kernel.audit import record
from app.services.kernel.errors import Conflict, NotFound


def held_report_ids(session: DbSession, reporter: User) -> list[int]:
    return list(
        session.scalars(
            select(Issue.id)
            .where(Issue.reporter_id == reporter.id, Issue.awaiting_confirmation.is_(True))
            .order_by(Issue.id)
        )
    )


def publish_held_reports(session: DbSession, reporter: User, only: list[int] | None = None) -> list[int]:
    """Publish what `reporter` reported before confirming their email (all, or those in `only`), and tell
    the areas' followers.

    A report is dated when it is published, as FixMyStreet dates one by its confirmation (found from
    outside: a held report came out with the time it was made, before an Open311 harvester's last
    start_date, so the harvester never saw it)."""
    held = [i for i in held_report_ids(session, reporter) if only is None or i in only]
    if held:
        session.execute(
            update(Issue)
            .where(Issue.id.in_(held))
            .values(is_hidden=False, awaiting_confirmation=False, created_at=utcnow())
        )
        for issue_id in held:
            notify_new_issue(session, issue_id)
    return held


def waits_for_reporter(issue: Issue, reporter: User) -> bool:
    """Whether the report waits for its confirmed reporter to publish or discard it."""
    return issue.awaiting_confirmation and reporter.email_confirmed and issue.reporter_id == reporter.id


def _held_of(session: DbSession, reporter: User, issue_id: int) -> Issue:
    """The reporter's held report, under its row lock (lock_report: 404 when there is none)."""
    issue = lock_report(session, issue_id)
    if issue.reporter_id != reporter.id:
        raise NotFound("There is no such report of yours.", "issue_id")
    if not waits_for_reporter(issue, reporter):
        raise Conflict(
            "This report does not wait for you: it was published or discarded already.", "issue_id"
        )
    return issue


def publish_held_report(session: DbSession, reporter: User, issue_id: int) -> None:
    """The confirmed reporter publishes one held report they made."""
    _held_of(session, reporter, issue_id)
    publish_held_reports(session, reporter, only=[issue_id])
    record(session, reporter, "issue.publish_held", "issue", issue_id)


def discard_held_report(session: DbSession, reporter: User, issue_id: int) -> list[str]:
    """The confirmed reporter discards a held report they did not make (or no longer want): it is
    retired, never having been public (report_deletion.retire_report says what it returns)."""
    issue = _held_of(session, reporter, issue_id)
    return retire_report(session, reporter, issue, "issue.discard_held")
