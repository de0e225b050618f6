"""Who may act as staff: the checks every staff service runs before it changes anything."""

from __future__ import annotations

from app.models import User
from app.services.kernel.errors import PermissionDenied


def require_staff(actor: User) -> None:
    if not actor.is_staff:
        raise PermissionDenied("Only city officials and admins can do this.")
    if actor.is_blocked:
        raise PermissionDenied("This account is blocked.")


def require_admin(actor: User) -> None:
    if not actor.is_admin:
        raise PermissionDenied("Only admins can do this.")
    if actor.is_blocked:
        raise PermissionDenied("This account is blocked.")
