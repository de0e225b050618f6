"""Reading the audit and moderation logs: filtered by actor, action and date range, a page at a time."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, distinct, func, select

from app.database.sessions import DbSession
from app.models import Area, AuditEntry, Category, Group, ModerationRecord, Pool, Round, Status, User
from app.models.backing import MatchingPeriod
from app.services.kernel.audit import Page
from app.services.kernel.city_time import city_day_end, city_day_start
from app.services.kernel.errors import ValidationError
from app.services.kernel.parsing import MAX_PAGE, optional_int
from app.services.workspace.audit_phrases import Facts, Words
from app.services.workspace.audit_words import ACTION_LABELS, describe, describe_moderation

PER_PAGE = 50
MODERATION_ACTIONS = {"hide": "Hidden", "unhide": "Shown again", "edit": "Text edited"}


@dataclass(frozen=True)
class LogFilters:
    actor_id: int | None = None
    action: str | None = None
    date_from: date | None = None
    date_to: date | None = None  # inclusive

    def as_query(self) -> dict[str, str]:
        query: dict[str, str] = {}
        if self.actor_id is not None:
            query["actor"] = str(self.actor_id)
        if self.action:
            query["action"] = self.action
        if self.date_from:
            query["from"] = self.date_from.isoformat()
        if self.date_to:
            query["to"] = self.date_to.isoformat()
        return query


@dataclass(frozen=True)
class LogLine:
    """One log entry in words, with what the page links to."""

    id: int
    created_at: datetime
    actor: str
    words: Words
    action: str
    original_text: str | None = None
    new_text: str | None = None


def _date(raw: str | None, field: str, label: str) -> date | None:
    if raw is None or not raw.strip():
        return None
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise ValidationError(f"{label} must be a date like 2026-12-31.", field) from None


def parse_filters(args: Mapping[str, str], actions: Mapping[str, str]) -> LogFilters:
    """The filters from a query string; `actions` are the codes this log's filter offers."""
    actor = optional_int(args.get("actor"), "actor", minimum=1, maximum=2**31 - 1, label="Who")
    action = (args.get("action") or "").strip() or None
    if action is not None and action not in actions:
        raise ValidationError("Choose an action from the list.", "action")
    date_from = _date(args.get("from"), "from", "From")
    date_to = _date(args.get("to"), "to", "To")
    if date_from and date_to and date_to < date_from:
        raise ValidationError("To must be on or after From.", "to")
    return LogFilters(actor, action, date_from, date_to)


def parse_page(raw: str | None) -> int:
    return optional_int(raw, "page", default=1, minimum=1, maximum=MAX_PAGE, label="Page") or 1


def _where(model: Any, filters: LogFilters) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if filters.actor_id is not None:
        where.append(model.actor_id == filters.actor_id)
    if filters.action:
        where.append(model.action == filters.action)
    if filters.date_from:
        where.append(model.created_at >= city_day_start(filters.date_from))
    if filters.date_to:
        where.append(model.created_at < city_day_end(filters.date_to))
    return where


def actors(session: DbSession, model: Any) -> list[tuple[int, str]]:
    """Who appears in the log, for the "who" filter."""
    ids = select(distinct(model.actor_id)).where(model.actor_id.is_not(None))
    rows = session.execute(
        select(User.id, User.display_name).where(User.id.in_(ids)).order_by(User.display_name)
    ).tuples()
    return [(i, name) for i, name in rows]


def audit_actions(session: DbSession) -> dict[str, str]:
    """Every action code the filter offers: the known ones and any other the log holds."""
    stored = session.scalars(select(distinct(AuditEntry.action)))
    found = {code: ACTION_LABELS.get(code, code) for code in stored}
    return dict(sorted({**ACTION_LABELS, **found}.items(), key=lambda item: item[1].lower()))


# An entry without an actor that the platform's own rules wrote (`by` in its details), not a person.
SYSTEM_ACTORS = {
    "schedule": "Commonfix (on schedule)",
    "campaign": "Commonfix (the campaign's rule)",
    "command": "A command on the server",
}


def _name(user: User | None, details: dict[str, object] | None = None) -> str:
    """Who acted: the account's name; the platform for its own acts (found from outside: they read "a
    former user did ..."); "a former user" for an account deleted since."""
    if user is not None:
        return user.display_name
    return SYSTEM_ACTORS.get(str((details or {}).get("by")), "a former user")


def known_names(session: DbSession, entries: Sequence[AuditEntry]) -> dict[str, str]:
    """What the entries' words name: statuses by code, and the rounds, pools (by their group),
    groups and matching periods they refer to, as "round:<id>" and the like (audit_phrases.named)."""
    names = dict(session.execute(select(Status.code, Status.name)).tuples().all())
    wanted: dict[str, set[int]] = {
        "round": set(),
        "pool": set(),
        "group": set(),
        "matching_period": set(),
        "area": set(),
    }
    for e in entries:
        details = e.details or {}
        if e.target_type in wanted and e.target_id.isdigit():
            wanted[e.target_type].add(int(e.target_id))
        for kind in ("round", "pool", "group"):
            found = details.get(f"{kind}_id")
            if isinstance(found, int):
                wanted[kind].add(found)
    queries = {
        "round": select(Round.id, Round.name).where(Round.id.in_(wanted["round"])),
        "pool": select(Pool.id, Group.name + " pool")
        .join(Group, Group.id == Pool.group_id)
        .where(Pool.id.in_(wanted["pool"])),
        "group": select(Group.id, Group.name).where(Group.id.in_(wanted["group"])),
        "matching_period": select(MatchingPeriod.id, MatchingPeriod.name).where(
            MatchingPeriod.id.in_(wanted["matching_period"])
        ),
        "area": select(Area.id, Area.name).where(Area.id.in_(wanted["area"])),
    }
    for kind, query in queries.items():
        if wanted[kind]:
            names.update({f"{kind}:{ident}": str(name) for ident, name in session.execute(query).tuples()})
    return names


def audit_lines(session: DbSession, filters: LogFilters, page: int, per_page: int = PER_PAGE) -> Page:
    """A page of the audit log, newest first, each entry in words."""
    where = _where(AuditEntry, filters)
    total = int(session.scalar(select(func.count(AuditEntry.id)).where(*where)) or 0)
    entries = session.scalars(
        select(AuditEntry)
        .where(*where)
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    names = known_names(session, entries)
    items = [
        LogLine(
            e.id,
            e.created_at,
            _name(e.actor, e.details),
            describe(Facts(e.action, e.target_type, e.target_id, e.details or {}), names),
            e.action,
        )
        for e in entries
    ]
    return Page(items, page, per_page, total)


def moderation_lines(session: DbSession, filters: LogFilters, page: int, per_page: int = PER_PAGE) -> Page:
    """A page of the moderation log, newest first, in words, with the original and new texts."""
    where = _where(ModerationRecord, filters)
    total = int(session.scalar(select(func.count(ModerationRecord.id)).where(*where)) or 0)
    records = session.scalars(
        select(ModerationRecord)
        .where(*where)
        .order_by(ModerationRecord.created_at.desc(), ModerationRecord.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    # A category change keeps codes; the log shows their names (found from outside: "Original tree").
    categories = dict(session.execute(select(Category.code, Category.name)).tuples().all())

    def shown(r: ModerationRecord, text: str | None) -> str | None:
        return categories.get(text, text) if r.field == "category" and text is not None else text

    items = [
        LogLine(
            r.id,
            r.created_at,
            _name(r.actor),
            Words(describe_moderation(r.action, r.target_type, r.issue_id, r.field, r.reason), r.issue_id),
            r.action,
            shown(r, r.original_text),
            shown(r, r.new_text),
        )
        for r in records
    ]
    return Page(items, page, per_page, total)
