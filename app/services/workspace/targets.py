"""Target times per category: how many days a report may wait open before the inbox calls it overdue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, or_, select

from app.database.sessions import DbSession
from app.models import Category, CategoryTarget, Issue, User
from app.services.kernel import audit
from app.services.kernel.errors import NotFound
from app.services.kernel.parsing import parse_int
from app.services.kernel.roles import require_admin

MAX_TARGET_DAYS = 365


@dataclass(frozen=True)
class Target:
    code: str
    name: str
    days: int
    own: bool  # set by an admin (else the default)


def targets(session: DbSession, default_days: int) -> list[Target]:
    """Every category with its target: its own if an admin set one, else `default_days`."""
    own = dict(
        session.execute(select(CategoryTarget.category_code, CategoryTarget.target_days)).tuples().all()
    )
    return [
        Target(c.code, c.name, own.get(c.code, default_days), c.code in own)
        for c in session.scalars(select(Category).order_by(Category.position, Category.name))
    ]


def overdue_condition(session: DbSession, now: datetime, default_days: int) -> ColumnElement[bool]:
    """Reported before its category's target allows: one date bound per category (the status is the
    caller's: only an open report is overdue)."""
    per_category = [
        and_(Issue.category_code == t.code, Issue.created_at < now - timedelta(days=t.days))
        for t in targets(session, default_days)
    ]
    return or_(*per_category) if per_category else Issue.id.is_(None)


def set_target(session: DbSession, admin: User, code: str, raw_days: object) -> Target:
    """Set a category's target; an empty value returns it to the default (the row is removed)."""
    require_admin(admin)
    category = session.get(Category, code)
    if category is None:
        raise NotFound(f"There is no category {code[:40]!r}.", "category")
    row = session.get(CategoryTarget, code)
    before = row.target_days if row else None
    if raw_days is None or (isinstance(raw_days, str) and not raw_days.strip()):
        if row is not None:
            session.delete(row)
        session.flush()
        audit.record(
            session, admin, "target.set", "category", code, name=category.name, days=None, before=before
        )
        return Target(code, category.name, 0, False)
    days = parse_int(raw_days, "days", minimum=1, maximum=MAX_TARGET_DAYS, label="Target days")
    if row is None:
        row = CategoryTarget(category_code=code, target_days=days)
        session.add(row)
    row.target_days = days
    session.flush()
    audit.record(session, admin, "target.set", "category", code, name=category.name, days=days, before=before)
    return Target(code, category.name, days, True)
