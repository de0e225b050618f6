"""Moderation: hide or show an issue, an update or a photo, and edit an issue's text, keeping the original."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from app.database.sessions import DbSession
from app.mail import queue_text
from app.models import Category, Issue, IssueEvent, ModerationRecord, Photo, User
from app.models.timestamps import utcnow
from app.models.workflow import EventKind
from app.services.issues.reports import DESCRIPTION_MAX, TITLE_MAX
from app.services.kernel import audit
from app.services.kernel.city_time import city_day_time
from app.services.kernel.errors import NotFound, ValidationError
from app.services.kernel.links import external_url
from app.services.kernel.roles import require_staff
from app.services.kernel.text import clean_note, clean_text
from app.services.workflow.status_changes import lock_issues

HIDEABLE_KINDS = (EventKind.UPDATE.value, EventKind.REOPEN.value)


def can_see_issue(issue: Issue, viewer: object) -> bool:
    """Hidden issues are staff-only, but a reporter sees their own report waiting for their confirmation."""
    if not issue.is_hidden or getattr(viewer, "is_staff", False):
        return True
    return (
        issue.awaiting_confirmation
        and issue.reporter_id is not None
        and getattr(viewer, "id", None) == issue.reporter_id
    )


def check_visible(issue: Issue, viewer: object) -> None:
    """Hidden issues do not exist for the public."""
    if not can_see_issue(issue, viewer):
        raise NotFound(f"There is no issue {issue.id}.", "issue_id")


def _log(
    session: DbSession,
    actor: User,
    action: str,
    target_type: str,
    target_id: int,
    issue_id: int,
    reason: str,
    field: str | None = None,
    original: str | None = None,
    new: str | None = None,
    flags: int = 0,
) -> None:
    """The moderation record, the staff-only timeline event and the audit entry of one act. A hide that
    settles `flags` open flags is audited once as `flags.hide` naming them (found from outside: the flag
    queue's hide was audited twice, as a hide and as a hide after flags, which read as two hides)."""
    now = utcnow()
    session.add(
        ModerationRecord(
            actor_id=actor.id,
            action=action,
            target_type=target_type,
            target_id=target_id,
            issue_id=issue_id,
            field=field,
            original_text=original,
            new_text=new,
            reason=reason,
            created_at=now,
        )
    )
    what = f"{target_type} {field}" if field else target_type
    session.add(
        IssueEvent(
            issue_id=issue_id,
            actor_id=actor.id,
            kind=EventKind.MODERATION.value,
            note=f"{action.capitalize()}: {what}" + (f" ({reason})" if reason else ""),
            by_staff=True,
            is_public=False,
            created_at=now,
        )
    )
    if flags:
        audit.record(
            session,
            actor,
            "flags.hide",
            target_type,
            target_id,
            issue_id=issue_id,
            flags=flags,
            reason=reason,
        )
        return
    audit.record(
        session,
        actor,
        f"moderation.{action}",
        target_type,
        target_id,
        issue_id=issue_id,
        field=field,
        reason=reason,
    )


def set_issue_hidden(
    session: DbSession, actor: User, issue_id: int, hidden: bool, reason: object = "", *, flags: int = 0
) -> Issue:
    require_staff(actor)
    why = clean_note(reason, required=False, field="reason")
    issue = lock_issues(session, [issue_id])[issue_id]
    if issue.is_hidden == hidden:
        state = "hidden" if hidden else "visible"
        raise ValidationError(f"Issue #{issue_id} is already {state}.", "issue_id")
    issue.is_hidden = hidden
    _log(session, actor, "hide" if hidden else "unhide", "issue", issue_id, issue_id, why, flags=flags)
    session.flush()
    _tell_reporter(session, issue, actor, why)
    return issue


def _tell_reporter(session: DbSession, issue: Issue, actor: User, why: str) -> None:
    """The reporter hears that a moderator hid their report, and why, or that it is public again
    (found from outside: their link to it became a 404 and nothing said so)."""
    _tell_author(
        session,
        issue.reporter_id,
        actor,
        Told(
            hidden=issue.is_hidden,
            why=why,
            subject=f"Your report “{issue.title}”",
            which=f"your report #{issue.id} “{issue.title}”",
            still_seen=f"\n\nYou still see it on your account page: {external_url('account.home')}",
            page=external_url("issues.detail", issue_id=issue.id),
            key=f"issue-hidden:{issue.id}",
        ),
    )


@dataclass(frozen=True)
class Told:
    """What an author is told of a hide or show: the item as the subject and the text name it, where
    they still see it once hidden, its page once shown, and the mail's key (the act's time is added)."""

    hidden: bool
    why: str
    subject: str
    which: str
    still_seen: str
    page: str
    key: str


def _tell_author(session: DbSession, author_id: int | None, actor: User, told: Told) -> None:
    """Mail the author of a report or an update that a moderator hid it (with the reason and whom to
    ask) or showed it again. Not the moderator who acted, nor a deleted account."""
    author = session.get(User, author_id) if author_id is not None else None
    if author is None or author.deleted_at is not None or author.id == actor.id:
        return
    if told.hidden:
        subject = f"{told.subject} is hidden"
        said = (
            f"A moderator hid {told.which} from the public"
            + (f". Their reason: {told.why}" if told.why else "")
            + f".{told.still_seen}\n\nTo ask about it, contact {current_app.config['CITY_CONTACT']}."
        )
    else:
        subject = f"{told.subject} is public again"
        said = f"A moderator made {told.which} public again: {told.page}"
    key = f"{told.key}:{'hide' if told.hidden else 'show'}:{utcnow().isoformat()}"
    queue_text(session, key, author.email, subject, f"Hello {author.display_name},\n\n{said}\n")


def set_update_hidden(
    session: DbSession, actor: User, event_id: int, hidden: bool, reason: object = "", *, flags: int = 0
) -> IssueEvent:
    require_staff(actor)
    why = clean_note(reason, required=False, field="reason")
    event = session.get(IssueEvent, event_id)
    if event is None or event.kind not in HIDEABLE_KINDS:
        raise NotFound(f"There is no update {event_id}.", "event_id")
    if event.is_hidden == hidden:
        raise ValidationError(
            f"Update {event_id} is already {'hidden' if hidden else 'visible'}.", "event_id"
        )
    event.is_hidden = hidden
    _log(
        session,
        actor,
        "hide" if hidden else "unhide",
        "update",
        event_id,
        event.issue_id,
        why,
        original=event.note,
        flags=flags,
    )
    session.flush()
    _tell_update_author(session, event, actor, why)
    return event


def _tell_update_author(session: DbSession, event: IssueEvent, actor: User, why: str) -> None:
    """The author hears that a moderator hid their update, and why, or showed it again, as a reporter
    does of their report (found from outside: the flaggers were told, the author never)."""
    title = session.scalar(select(Issue.title).where(Issue.id == event.issue_id)) or ""
    _tell_author(
        session,
        event.actor_id,
        actor,
        Told(
            hidden=event.is_hidden,
            why=why,
            subject=f"Your update on “{title}”",
            which=f"your update of {city_day_time(event.created_at)} on problem #{event.issue_id} “{title}”",
            still_seen="",
            page=external_url("issues.detail", issue_id=event.issue_id),
            key=f"update-hidden:{event.id}",
        ),
    )


def set_photo_hidden(
    session: DbSession, actor: User, photo_id: int, hidden: bool, reason: object = "", *, flags: int = 0
) -> Photo:
    require_staff(actor)
    why = clean_note(reason, required=False, field="reason")
    photo = session.get(Photo, photo_id)
    if photo is None:
        raise NotFound(f"There is no photo {photo_id}.", "photo_id")
    if photo.is_hidden == hidden:
        raise ValidationError(f"Photo {photo_id} is already {'hidden' if hidden else 'visible'}.", "photo_id")
    photo.is_hidden = hidden
    _log(
        session,
        actor,
        "hide" if hidden else "unhide",
        "photo",
        photo_id,
        photo.issue_id,
        why,
        original=photo.filename,
        flags=flags,
    )
    session.flush()
    return photo


def edit_issue_text(
    session: DbSession,
    actor: User,
    issue_id: int,
    *,
    title: object = None,
    description: object = None,
    reason: object = "",
) -> Issue:
    """Replace the title and/or description; the moderation log keeps the original text."""
    require_staff(actor)
    why = clean_note(reason, required=False, field="reason")
    new_title = clean_text(title, "title", "Title", TITLE_MAX, multiline=False) if title is not None else None
    new_description = (
        clean_text(description, "description", "Description", DESCRIPTION_MAX)
        if description is not None
        else None
    )
    issue = lock_issues(session, [issue_id])[issue_id]
    changes = [
        (field, old, new)
        for field, old, new in (
            ("title", issue.title, new_title),
            ("description", issue.description, new_description),
        )
        if new is not None and new != old
    ]
    if not changes:
        raise ValidationError("Nothing to change: the new text is the same as the current text.", "title")
    for field, old, new in changes:
        setattr(issue, field, new)
        _log(session, actor, "edit", "issue", issue_id, issue_id, why, field=field, original=old, new=new)
    issue.edited_at = utcnow()
    session.flush()
    return issue


def change_category(
    session: DbSession, actor: User, issue_id: int, category: object, reason: object = ""
) -> Issue:
    """Move a report to another category (a resident chose the wrong one): the map's cells, the counts
    and the stored Feature follow through their triggers; the moderation log keeps the one it had."""
    require_staff(actor)
    why = clean_note(reason, required=False, field="reason")
    code = str(category or "").strip()
    names = dict(session.execute(select(Category.code, Category.name)).tuples().all())
    if code not in names:
        raise ValidationError("Choose one of the categories.", "category")
    issue = lock_issues(session, [issue_id])[issue_id]
    if issue.category_code == code:
        raise ValidationError(f"The report is already in {names[code]!r}.", "category")
    old, issue.category_code, issue.edited_at = issue.category_code, code, utcnow()
    _log(session, actor, "edit", "issue", issue_id, issue_id, why, field="category", original=old, new=code)
    session.flush()
    return issue
