"""The single hook every timeline event goes through: `on_issue_event` (part B adds the emails here)."""

from __future__ import annotations

from blinker import Namespace
from sqlalchemy import update

from app.database.sessions import DbSession
from app.models import Issue, IssueEvent
from app.services.issues.money_mail import notify_status_event
from app.services.issues.notifications import notify_issue_event

# Sent once per new event with the session (sender) and `event`: features above issues (the escrow of
# backed problems) receive it without the workflow importing them; create_app connects the receivers.
issue_event = Namespace().signal("issue-event")

# Kinds that officials must hear about (a resident says the fix did not hold).
OFFICIAL_ALERT_KINDS = frozenset({"reopen"})


def on_issue_event(session: DbSession, event: IssueEvent) -> None:
    """Called once per new event, after it is flushed and before the caller commits.

    Public events move the issue's last activity; staff-only moderation events do not.
    Notifications (followers on status changes, officials on "not fixed") hook in here.
    """
    if event.is_public:
        session.execute(
            update(Issue)
            .where(Issue.id == event.issue_id)
            .values(last_activity_at=event.created_at)
            .execution_options(synchronize_session=False)
        )
    # Followers' emails go into the outbox in this transaction; a worker sends them after the commit.
    # A funded problem's start and fix mail its backers too, with the money figures, instead.
    if not notify_status_event(session, event):
        notify_issue_event(session, event)
    issue_event.send(session, event=event)
