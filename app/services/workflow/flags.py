"""Residents' flags on a report, an update or a photo, and resolving them (the queue: flag_queue.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import Row, func, select, update

from app.database.sessions import DbSession, execute_write
from app.database.spellings import insert_ignoring_duplicates
from app.mail import build_message, queue_mail
from app.models import Flag, Issue, IssueEvent, Photo, User
from app.models.moderation import FlagStatus
from app.models.timestamps import utcnow
from app.services.kernel import audit
from app.services.kernel.city_time import city_day_time
from app.services.kernel.errors import Conflict, NotFound, PermissionDenied, ValidationError
from app.services.kernel.links import external_url
from app.services.kernel.roles import require_confirmed, require_staff
from app.services.kernel.site import site_name
from app.services.kernel.text import NOTE_MAX, clean_note, clean_text
from app.services.workflow.moderation import (
    HIDEABLE_KINDS,
    set_issue_hidden,
    set_photo_hidden,
    set_update_hidden,
)

FLAG_REASONS: dict[str, str] = {
    "abusive": "Abusive or offensive",
    "personal": "Shares someone's personal information",
    "spam": "Spam or advertising",
    "misleading": "False or misleading",
    "other": "Something else",
}
TARGET_TYPES = ("issue", "update", "photo")
RESOLUTIONS = ("hide", "dismiss")


def require_flagger(user: User) -> None:
    """Who may flag: a signed-in resident whose account is usable and whose email address is confirmed.
    Flags are counted to order the moderators' queue, so, like likes, they count only from a reachable
    person."""
    if user.is_blocked or user.deleted_at is not None:
        raise PermissionDenied("This account is blocked and cannot flag content.")
    require_confirmed(user)


def check_flaggable(session: DbSession, issue_id: int, target_type: str, target_id: int) -> None:
    """Only what the public sees can be flagged: hidden items and another issue's items are not found."""
    issue = session.scalar(select(Issue).where(Issue.id == issue_id, Issue.is_hidden.is_(False)))
    if issue is None:
        raise NotFound(f"There is no issue {issue_id}.", "issue_id")
    if target_type == "update":
        event = session.get(IssueEvent, target_id)
        if (
            event is None
            or event.issue_id != issue_id
            or event.kind not in HIDEABLE_KINDS
            or event.is_hidden
            or not event.is_public
        ):
            raise NotFound(f"Problem #{issue_id} has no update {target_id}.", "target_id")
    elif target_type == "photo":
        photo = session.get(Photo, target_id)
        if photo is None or photo.issue_id != issue_id or photo.is_hidden:
            raise NotFound(f"Problem #{issue_id} has no photo {target_id}.", "target_id")


@dataclass(frozen=True)
class FlagOutcome:
    created: bool  # False: this resident had flagged this item already; it counts once
    open_flags: int  # open flags on the item, one per resident


def flag(
    session: DbSession,
    user: User,
    issue_id: int,
    *,
    target_type: object = "issue",
    target_id: object = None,
    reason: object,
    note: object = "",
) -> FlagOutcome:
    """Flag the issue, or one of its updates or photos; the same resident flagging again is a no-op."""
    require_flagger(user)
    kind = "issue" if target_type is None else target_type
    if not isinstance(kind, str) or kind not in TARGET_TYPES:
        raise ValidationError(f"target_type must be one of {', '.join(TARGET_TYPES)}.", "target_type")
    if kind == "issue":
        target = issue_id
    elif type(target_id) is int and 0 < target_id < 2**31:
        target = target_id
    else:
        said = "is required" if target_id is None else "must be a whole number from 1 to 2147483647"
        what = "an update" if kind == "update" else f"a {kind}"
        raise ValidationError(f"target_id {said} to flag {what}: the {kind}'s id.", "target_id")
    if not isinstance(reason, str) or reason not in FLAG_REASONS:
        raise ValidationError(f"reason must be one of {', '.join(FLAG_REASONS)}.", "reason")
    text = clean_note(note, required=False, field="note")
    check_flaggable(session, issue_id, kind, target)
    inserted = execute_write(
        session,
        insert_ignoring_duplicates(
            session,
            Flag,
            user_id=user.id,
            target_type=kind,
            target_id=target,
            issue_id=issue_id,
            reason=reason,
            note=text,
            status=FlagStatus.OPEN.value,
            created_at=utcnow(),
        ),
    ).rowcount
    if not inserted:
        inserted = _flag_again(session, user, kind, target, reason, text)
    return FlagOutcome(bool(inserted), open_flag_count(session, kind, target))


def _flag_again(session: DbSession, user: User, kind: str, target: int, reason: str, note: str) -> int:
    """A resident's flag on an item a moderator already left visible opens again with what they say now
    (found from outside: the second flag was told "the moderators will look at it" and reached no queue).
    Their flag still open is left as it is: it counts once. Returns 1 when it opened again."""
    reopened = execute_write(
        session,
        update(Flag)
        .where(
            Flag.user_id == user.id,
            Flag.target_type == kind,
            Flag.target_id == target,
            Flag.status != FlagStatus.OPEN.value,
        )
        .values(
            status=FlagStatus.OPEN.value,
            reason=reason,
            note=note,
            created_at=utcnow(),
            resolved_at=None,
            resolved_by_id=None,
        )
        .execution_options(synchronize_session=False),
    ).rowcount
    return int(reopened)


def open_flag_count(session: DbSession, target_type: str, target_id: int) -> int:
    return int(
        session.scalar(
            select(func.count(Flag.id)).where(
                Flag.target_type == target_type,
                Flag.target_id == target_id,
                Flag.status == FlagStatus.OPEN.value,
            )
        )
        or 0
    )


def _already_hidden(session: DbSession, target_type: str, target_id: int) -> bool:
    if target_type == "issue":
        column = select(Issue.is_hidden).where(Issue.id == target_id)
    elif target_type == "update":
        column = select(IssueEvent.is_hidden).where(IssueEvent.id == target_id)
    else:
        column = select(Photo.is_hidden).where(Photo.id == target_id)
    return bool(session.scalar(column))


def resolve(
    session: DbSession, actor: User, target_type: object, target_id: int, action: object, reason: object = ""
) -> int:
    """Hide the flagged item (with the moderator's reason) or dismiss its flags; tell each flagger.

    Returns how many open flags were resolved; an item without open flags is a 404.
    """
    require_staff(actor)
    if target_type not in TARGET_TYPES:
        raise ValidationError(f"target_type must be one of {', '.join(TARGET_TYPES)}.", "target_type")
    if action not in RESOLUTIONS:
        raise ValidationError(f"action must be one of {', '.join(RESOLUTIONS)}.", "action")
    why = clean_text(
        reason,
        "reason",
        "Reason",
        NOTE_MAX,
        required=action == "hide",
        required_message="A reason to hide is required: every flagger is told it.",
    )
    kind = str(target_type)
    flaggers = _open_flaggers(session, kind, target_id)
    if not flaggers:
        raise NotFound(
            f"There are no open flags on {kind} {target_id}: they were handled already (by another "
            "moderator, or in another tab), or there were none.",
            "target_id",
        )
    hidden_already = _already_hidden(session, kind, target_id)
    if action == "dismiss" and hidden_already:
        # Found from outside: its flaggers were mailed "it stays visible" about a hidden report.
        raise Conflict(
            f"This {_words(kind)} is hidden already: its flags were upheld, not dismissed. Close them with "
            "“Hide”, or show it again on the problem's page first.",
            "action",
        )
    hid = action == "hide" and not hidden_already
    if hid:  # audited there, once, as a hide after these flags
        HIDE[kind](session, actor, target_id, True, why, flags=len(flaggers))
    _close(session, actor, kind, target_id, flaggers, str(action), why, audited=hid)
    return len(flaggers)


# The moderation step that hides (or shows) each kind of flaggable item.
HIDE = {"issue": set_issue_hidden, "update": set_update_hidden, "photo": set_photo_hidden}


def hide_on_page(
    session: DbSession, actor: User, kind: str, target_id: int, hidden: bool, reason: object = ""
) -> int:
    """Hide or show an item from its problem's page; a hide upholds the item's open flags and tells
    their flaggers, as a hide from the flag queue does (found from outside: a report hidden on its page
    stayed in the queue, unmarked, and "Dismiss" then mailed its flaggers that it stays visible).
    Returns how many flags it closed."""
    flaggers = _open_flaggers(session, kind, target_id) if hidden else []
    HIDE[kind](session, actor, target_id, hidden, reason, flags=len(flaggers))
    if not flaggers:
        return 0
    why = clean_text(reason, "reason", "Reason", NOTE_MAX)
    _close(session, actor, kind, target_id, flaggers, "hide", why, audited=True)
    return len(flaggers)


def _words(kind: str) -> str:
    return "problem report" if kind == "issue" else kind


# An open flag's flagger (None for a deleted account), their address and the flagged item's problem.
Flagger = Row[tuple[int | None, str, int, bool]]


def _open_flaggers(session: DbSession, kind: str, target_id: int) -> Sequence[Flagger]:
    return session.execute(
        select(Flag.user_id, User.email, Flag.issue_id, User.is_blocked)
        .outerjoin(User, User.id == Flag.user_id)  # a deleted account's open flags name no one
        .where(Flag.target_type == kind, Flag.target_id == target_id, Flag.status == FlagStatus.OPEN.value)
        .order_by(Flag.user_id)
    ).all()


def _close(
    session: DbSession,
    actor: User,
    kind: str,
    target_id: int,
    flaggers: Sequence[Flagger],
    action: str,
    why: str,
    *,
    audited: bool,
) -> None:
    """Resolve the open flags as upheld (hide) or dismissed, audit it unless the hide was, tell each
    flagger."""
    outcome = FlagStatus.HIDDEN.value if action == "hide" else FlagStatus.DISMISSED.value
    now = utcnow()
    execute_write(
        session,
        update(Flag)
        .where(Flag.target_type == kind, Flag.target_id == target_id, Flag.status == FlagStatus.OPEN.value)
        .values(status=outcome, resolved_at=now, resolved_by_id=actor.id),
    )
    issue_id = flaggers[0].issue_id
    if not audited:
        audit.record(
            session,
            actor,
            f"flags.{action}",
            kind,
            target_id,
            issue_id=issue_id,
            flags=len(flaggers),
            reason=why,
        )
    for row in flaggers:
        if row.email is not None and not row.is_blocked:  # found from outside: a blocked flagger was told
            _tell_flagger(session, row.email, kind, target_id, issue_id, action, why, now)


def _flagged_words(session: DbSession, kind: str, target_id: int, issue_id: int, action: str) -> str:
    """What was flagged, as its flagger will know it (found from outside: "the problem report you
    flagged on problem #322" named nothing): the report's title, an update's first words while it stays
    visible, its date once hidden (found from outside: quoting a hidden update put the phone number it
    was hidden for in every flagger's inbox)."""
    title = session.scalar(select(Issue.title).where(Issue.id == issue_id)) or ""
    if kind == "issue":  # once hidden, by its number alone (its title may be what it was hidden for)
        return (
            f"the problem report #{issue_id}"
            if action == "hide"
            else f"the problem report “{title}” (#{issue_id})"
        )
    if kind == "update":
        note, posted = session.execute(
            select(IssueEvent.note, IssueEvent.created_at).where(IssueEvent.id == target_id)
        ).one()
        if action == "hide":
            return f"the update of {city_day_time(posted)} on problem #{issue_id} “{title}”"
        words = " ".join((note or "").split())
        shown = words if len(words) <= 60 else words[:60].rsplit(" ", 1)[0] + "…"
        return f"the update “{shown}” on problem #{issue_id} “{title}”"
    return f"a photo on problem #{issue_id} “{title}”"


def _tell_flagger(
    session: DbSession,
    email: str,
    kind: str,
    target_id: int,
    issue_id: int,
    action: str,
    why: str,
    resolved_at: datetime,
) -> None:
    """Tell a flagger the outcome; the key names the resolution's time, so a flag opened again and
    resolved again is told again (found from outside: the second outcome was never mailed)."""
    if email.endswith(".invalid"):  # a deleted account's tombstone has no address
        return
    what = _words(kind)
    named = _flagged_words(session, kind, target_id, issue_id, action)
    if action == "hide":
        subject = f"Thank you: the {what} you flagged is hidden"
        lead = f"A moderator hid {named}, which you flagged." + (f"\n\nReason: {why}" if why else "")
    else:
        subject = f"The {what} you flagged stays visible"
        lead = (
            f"A moderator looked at {named}, which you flagged, and found it within the rules, so it "
            "stays visible."
        )
    # A hidden report's page is a 404 to the flagger: no link to it.
    link = (
        ""
        if kind == "issue" and action == "hide"
        else f"\n\nThe problem: {external_url('issues.detail', issue_id=issue_id)}"
    )
    queue_mail(
        session,
        f"flag:{kind}:{target_id}:{action}:{resolved_at.isoformat()}:to:{email}",
        build_message(
            to=email,
            subject=subject,
            text=f"{lead}{link}\n\n-- \nYou get this email because you flagged content on {site_name()}.\n",
            sender=current_app.config["MAIL_DEFAULT_SENDER"],
        ),
    )
