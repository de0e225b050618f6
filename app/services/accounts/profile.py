"""The account's own settings: display name, whether new reports hide it by default, and whether the news
of funding rounds comes by email."""

from __future__ import annotations

from app.database.sessions import DbSession
from app.models import User
from app.services.accounts.users import check_display_name, refuse_staff_likeness
from app.services.kernel.audit import record
from app.services.kernel.errors import PermissionDenied, ValidationError

UNCHANGED = object()


def update_profile(
    session: DbSession,
    user: User,
    display_name: object = UNCHANGED,
    hide_name_default: object = UNCHANGED,
    round_news: object = UNCHANGED,
) -> list[str]:
    """Change what is given; returns the names of the settings that changed (audited when any did)."""
    changes: dict[str, object] = {}
    if display_name is not UNCHANGED:
        name = check_display_name(display_name)
        if name != user.display_name:
            if user.is_blocked:  # the name is shown on public pages, beside the account's reports
                raise PermissionDenied("A blocked account cannot change its display name.", "display_name")
            if not user.has_staff_role:
                refuse_staff_likeness(session, name, user.id)
            changes["display_name"] = name
    for name, value in (("hide_name_default", hide_name_default), ("round_news", round_news)):
        if value is UNCHANGED:
            continue
        if not isinstance(value, bool):
            raise ValidationError(f"{name} must be true or false.", name)
        if value != getattr(user, name):
            changes[name] = value
    for name, value in changes.items():
        setattr(user, name, value)
    if changes:
        record(session, user, "account.profile", "user", user.id, changed=sorted(changes))
        session.flush()
    return sorted(changes)
