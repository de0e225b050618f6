"""Admins configure the categories residents report under: add, rename, reorder and delete unused ones.

Found from outside: the ten categories were fixed in code (places.DEFAULT_CATEGORIES, loaded by
init-db), so a city with snow clearing, or without a graffiti service, had to change the code. A
category's code is its Open311 service_code and what the API, the exports and the target times use, so
it never changes; its name does (the map's stored Features follow a rename through their triggers).
Names are unique ignoring case. A category in use by any report, hidden ones included, cannot be
deleted: its reports would have none.
"""

from __future__ import annotations

from sqlalchemy import func, select, update

from app.database.sessions import DbSession
from app.models import Category, Issue, User
from app.services.issues.places import categories
from app.services.kernel import audit
from app.services.kernel.errors import Conflict, NotFound, ValidationError
from app.services.kernel.roles import require_admin
from app.services.workflow import config_lists


def _get(session: DbSession, code: str) -> Category:
    found = session.get(Category, code)
    if found is None:
        raise NotFound(f"There is no category {code[:40]!r}.", "category")
    return found


def in_use(session: DbSession, code: str) -> int:
    """How many reports (hidden ones too, not those their reporters withdrew) are in the category."""
    return int(
        session.scalar(
            select(func.count(Issue.id)).where(Issue.category_code == code, Issue.withdrawn_at.is_(None))
        )
        or 0
    )


def add_category(session: DbSession, admin: User, code: object, name: object) -> Category:
    require_admin(admin)
    clean_code = config_lists.clean_code(code, "snow-clearing")
    clean_name = config_lists.clean_name(name)
    if session.get(Category, clean_code) is not None:
        raise Conflict(f"A category with the code {clean_code!r} already exists.", "code")
    config_lists.check_name_free(session, Category, "category", clean_name, None)
    last = session.scalar(select(func.max(Category.position)))
    category = Category(code=clean_code, name=clean_name, position=(last or 0) + 1)
    session.add(category)
    audit.record(session, admin, "category.add", "category", clean_code, name=clean_name)
    session.flush()
    return category


def rename_category(session: DbSession, admin: User, code: str, name: object) -> Category:
    require_admin(admin)
    category = _get(session, code)
    clean_name = config_lists.clean_name(name)
    if clean_name == category.name:
        raise ValidationError("Nothing to change: the name is the same.", "name")
    config_lists.check_name_free(session, Category, "category", clean_name, category.code)
    before, category.name = category.name, clean_name
    audit.record(session, admin, "category.rename", "category", code, before=before, name=clean_name)
    session.flush()
    return category


def move_category(session: DbSession, admin: User, code: str, direction: str) -> list[Category]:
    """Move a category one place up or down in the report form's list; positions become 0..n-1."""
    require_admin(admin)
    ordered = config_lists.moved(categories(session), "category", code, direction)
    audit.record(
        session,
        admin,
        "category.move",
        "category",
        code,
        direction=direction,
        order=[c.code for c in ordered],
    )
    session.flush()
    return ordered


def delete_category(session: DbSession, admin: User, code: str) -> None:
    require_admin(admin)
    category = _get(session, code)
    used = in_use(session, category.code)
    if used:
        raise Conflict(
            f"{category.name!r} has {used} report{'s' if used != 1 else ''}: it cannot be deleted (its "
            "reports would have no category). Rename it instead.",
            "category",
        )
    if session.scalar(select(func.count()).select_from(Category)) == 1:
        raise ValidationError("This is the only category: residents could not report anything.", "category")
    # Withdrawn reports, emptied and hidden for good, go to the first other category (found from
    # outside: one of them kept a category from being deleted that no report used).
    other = session.scalar(
        select(Category.code).where(Category.code != category.code).order_by(Category.position, Category.code)
    )
    session.execute(
        update(Issue)
        .where(Issue.category_code == category.code, Issue.withdrawn_at.is_not(None))
        .values(category_code=other)
        .execution_options(synchronize_session=False)
    )
    session.delete(category)
    audit.record(session, admin, "category.delete", "category", code, name=category.name)
    session.flush()
