"""Accounts: residents, officials and admins, and their API tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, true
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.models.timestamps import utcnow


class Role(StrEnum):
    RESIDENT = "resident"
    OFFICIAL = "official"
    ADMIN = "admin"


class RoleChecks:
    role: str
    is_blocked: bool

    @property
    def has_staff_role(self) -> bool:
        """An official or admin by role, blocked or not: what the staff gates check before saying
        "This account is blocked."."""
        return self.role in (Role.OFFICIAL.value, Role.ADMIN.value)

    @property
    def is_staff(self) -> bool:
        """Works as staff now: an official or admin whose account is not blocked. A blocked one reads
        the site as the public does (found from outside: a blocked official's problem pages were 403s,
        their views built for staff)."""
        return self.has_staff_role and not self.is_blocked

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN.value


class User(RoleChecks, UserMixin, Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(60))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default=Role.RESIDENT.value)
    is_blocked: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when the resident deleted the account: the row stays as an anonymous tombstone (no email,
    # name or password), so the ledger's, tallied rounds' and reports' references still hold.
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)
    # When the resident opened the link mailed to this address (None: not yet; likes, follows, pledges,
    # ballots and memberships wait for it, reports stay unpublished: app/services/accounts/confirmation.py).
    email_confirmed_at: Mapped[datetime | None] = mapped_column(default=None)
    # When the address was registered a second time before it was confirmed: every confirmation link
    # then asks its opener to choose the password (confirmation.py; found from outside, a plain link
    # mailed after or before the second registration confirmed the first registrant's account).
    registered_again_at: Mapped[datetime | None] = mapped_column(default=None)
    # The resident's choice for new reports: the report form's "Hide my name" starts ticked, and an API
    # report that does not say `hide_name` hides it (app/services/accounts/profile.py).
    hide_name_default: Mapped[bool] = mapped_column(default=False)
    # Mail about the funding rounds the resident may vote in: voting opens, the reminder, the result
    # (services/rounds/announcements.py); off from settings, the API or a mail's one-click link.
    round_news: Mapped[bool] = mapped_column(default=True, server_default=true())

    @property
    def email_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    def get_id(self) -> str:
        """What the login cookie and the remember token hold: the account and this login's key.

        Set by app.auth.sessions.log_in; a User loaded from a login carries its key too. Ending the
        login (LoginSession.ended_at) makes both cookies worthless, whatever they still say.
        """
        key = self.__dict__.get("login_key")
        if not key:
            raise RuntimeError("a User is logged in only through app.auth.sessions.log_in")
        return f"{self.id}:{key}"

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


@dataclass(frozen=True, eq=False)
class TokenHolder(RoleChecks, UserMixin):
    """Who an API bearer token belongs to, read without loading the ORM user: what `current_user` is on
    token requests. Views that hand a user to a service ask for the full User (app/api/auth.py)."""

    id: int
    role: str
    is_blocked: bool
    email_confirmed: bool

    def __repr__(self) -> str:
        return f"<TokenHolder {self.id} {self.role}>"


# Who acts on a write that needs no more than the id, role and blocked flag.
Actor = User | TokenHolder


class ApiToken(Model):
    """A bearer token; only its SHA-256 digest is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class LoginSession(Model):
    """One login on one device: the cookie and remember token name it by a random key (only its
    SHA-256 digest is stored); logging out ends it, "log out everywhere" ends them all, and it ends
    on its own at `expires_at` (found from outside: a copied remember cookie worked for ever)."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    device: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None] = mapped_column(default=None)
