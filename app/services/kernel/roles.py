"""Who may act: staff checks every staff service runs, and the confirmed-email check residents pass."""

from __future__ import annotations

from app.models import User
from app.models.account import Actor
from app.services.kernel.errors import PermissionDenied


def require_not_blocked(actor: Actor, field: str | None = None) -> None:
    """A blocked account reads but takes no part: refused, saying why (on `field`, where one is named)."""
    if actor.is_blocked:
        raise PermissionDenied("This account is blocked.", field)


def require_staff(actor: User, refusal: str = "Only city officials and admins can do this.") -> None:
    """An official or admin whose account is not blocked; `refusal` says what others may not do."""
    if not actor.has_staff_role:
        raise PermissionDenied(refusal)
    require_not_blocked(actor)


def require_admin(actor: User) -> None:
    if not actor.is_admin:
        raise PermissionDenied("Only admins can do this.")
    require_not_blocked(actor)


UNCONFIRMED = (
    "Confirm your email address first: open the link we mailed you, or ask for a new one on your "
    "account page (/account/confirm)."
)


class EmailNotConfirmed(PermissionDenied):
    code = "email_not_confirmed"


def require_confirmed(actor: Actor) -> None:
    """Likes, follows, pledges, ballots and memberships count only from a reachable person."""
    if not actor.email_confirmed:
        raise EmailNotConfirmed(UNCONFIRMED)
