"""What a reporter may do with their own report: show or hide their name on it, and, while nobody else
has taken it up, correct its text or withdraw it.

Found from outside: a resident who sent a report (with "My flat is number 12 upstairs" in it) had no
way to change or take it back short of flagging it or deleting their account, which kept it public.
FixMyStreet lets a reporter hide their name on a report; Decidim lets an author edit a proposal until
it has supports, and withdraw it. Here a report is "taken up" once someone other than its reporter
acts on it: a like, a follow, an update, a status change, a backing, a duplicate, an assignment or an
internal note, a moderator's act, a round's candidate list, an open flag. Until then its reporter may
correct it or withdraw it (retired: emptied, hidden for good, its photos removed; report_deletion.py);
after, the city and the neighbours rely on what it says, and only the name can still be hidden.
"""

from __future__ import annotations

from sqlalchemy import exists, select

from app.database.sessions import DbSession
from app.models import Backing, Follow, Issue, IssueEvent, Like, RoundCandidate, User
from app.models.desk import Assignment, InternalNote
from app.models.moderation import Flag, FlagStatus, ModerationRecord
from app.models.timestamps import utcnow
from app.services.issues.report_deletion import lock_report, retire_report
from app.services.issues.reports import DESCRIPTION_MAX, TITLE_MAX
from app.services.kernel.audit import record
from app.services.kernel.errors import Conflict, NotFound
from app.services.kernel.text import clean_text


def own_report(session: DbSession, reporter: User, issue_id: int) -> Issue:
    """The reporter's report (404 for anyone else's, a missing one, or one held for confirmation: the
    held reports have their own two buttons, app/services/issues/held_reports.py)."""
    issue = session.get(Issue, issue_id)
    if issue is None or issue.reporter_id != reporter.id or issue.awaiting_confirmation:
        raise NotFound("There is no such report of yours.", "issue_id")
    return issue


def taken_up_by(session: DbSession, issue: Issue) -> str | None:
    """Who else took the report up, in words ("residents liked it"), or None while only its reporter
    has acted on it."""
    others = issue.reporter_id
    checks = [
        (select(Like.id).where(Like.issue_id == issue.id, Like.user_id != others), "residents liked it"),
        (
            select(Follow.id).where(Follow.issue_id == issue.id, Follow.user_id != others),
            "residents follow it",
        ),
        (select(IssueEvent.id).where(IssueEvent.issue_id == issue.id), "its timeline has entries"),
        (select(Backing.id).where(Backing.issue_id == issue.id), "residents backed it with money"),
        (select(Issue.id).where(Issue.duplicate_of_id == issue.id), "another report was merged into it"),
        (select(Assignment.issue_id).where(Assignment.issue_id == issue.id), "the city assigned it"),
        (select(InternalNote.id).where(InternalNote.issue_id == issue.id), "the city's staff noted it"),
        (
            select(ModerationRecord.id).where(ModerationRecord.issue_id == issue.id),
            "the moderators acted on it",
        ),
        (select(RoundCandidate.id).where(RoundCandidate.issue_id == issue.id), "a funding round lists it"),
        (
            select(Flag.id).where(Flag.issue_id == issue.id, Flag.status == FlagStatus.OPEN.value),
            "residents flagged it to the moderators",
        ),
    ]
    if issue.is_hidden:
        return "the moderators hid it"
    if issue.status != "new" or issue.duplicate_of_id is not None:
        return "the city changed its status"
    for query, words in checks:
        if session.scalar(select(exists(query))):
            return words
    return None


def _require_untaken(session: DbSession, issue: Issue, doing: str) -> None:
    taken = taken_up_by(session, issue)
    if taken is not None:
        raise Conflict(
            f"This report can no longer be {doing}: {taken}, and they rely on what it says. You can still "
            "hide your name on it.",
            "issue_id",
        )


def set_name_hidden(session: DbSession, reporter: User, issue_id: int, hidden: bool) -> Issue:
    """Show or hide the reporter's name on their report (always allowed: their name is theirs)."""
    issue = own_report(session, reporter, issue_id)
    if issue.hide_name != hidden:
        issue.hide_name, issue.edited_at = hidden, utcnow()
        record(session, reporter, "issue.reporter_name", "issue", issue_id, hidden=hidden)
        session.flush()
    return issue


def correct(session: DbSession, reporter: User, issue_id: int, title: object, description: object) -> Issue:
    """The reporter corrects the title and description of their report nobody else has taken up."""
    issue = own_report(session, reporter, issue_id)
    _require_untaken(session, issue, "changed")
    clean_title = clean_text(title, "title", "Title", TITLE_MAX, multiline=False)
    clean_description = clean_text(description, "description", "Description", DESCRIPTION_MAX)
    if (clean_title, clean_description) != (issue.title, issue.description):
        issue.title, issue.description, issue.edited_at = clean_title, clean_description, utcnow()
        record(session, reporter, "issue.reporter_edit", "issue", issue_id)
        session.flush()
    return issue


def withdraw(session: DbSession, reporter: User, issue_id: int) -> list[str]:
    """The reporter withdraws their report nobody else has taken up: it is retired, the check and the
    retirement under the report's lock (report_deletion.retire_report says what it returns)."""
    own_report(session, reporter, issue_id)
    issue = lock_report(session, issue_id)
    _require_untaken(session, issue, "withdrawn")
    return retire_report(session, reporter, issue, "issue.withdraw")


def may_change(session: DbSession, reporter: User, issue: Issue) -> bool:
    """Whether the page offers the reporter "Correct" and "Withdraw" (their report, nobody else's yet)."""
    return (
        issue.reporter_id == reporter.id
        and not issue.awaiting_confirmation
        and taken_up_by(session, issue) is None
    )
