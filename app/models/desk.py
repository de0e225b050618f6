"""The officials' desk: teams and their members, assignments, internal notes, inbox visits, target times."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.account import User
from app.models.timestamps import utcnow


class Team(Model):
    """A named group of officials (roads crew, parks) that problems can be assigned to; admins keep them."""

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TeamMember(Model):
    __tablename__ = "team_members"

    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )

    user: Mapped[User] = relationship(lazy="joined")


class Assignment(Model):
    """Who works on a problem now: one official or one team (never both); staff-only."""

    __tablename__ = "issue_assignments"
    __table_args__ = (
        CheckConstraint("(user_id IS NULL) <> (team_id IS NULL)", name="ck_issue_assignments_user_or_team"),
    )

    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)


class InternalNote(Model):
    """A note staff write to each other about a problem; never shown to residents, fed or exported."""

    __tablename__ = "internal_notes"
    __table_args__ = (Index("ix_internal_notes_issue_created", "issue_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User | None] = relationship(lazy="joined")


class InboxVisit(Model):
    """When an official opened the inbox: `previous_at` decides what counts as new since the last visit."""

    __tablename__ = "inbox_visits"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    previous_at: Mapped[datetime | None]
    current_at: Mapped[datetime]


class CategoryTarget(Model):
    """How many days a category's report may wait open before the inbox lists it as overdue."""

    __tablename__ = "category_targets"
    __table_args__ = (CheckConstraint("target_days > 0", name="ck_category_targets_positive"),)

    category_code: Mapped[str] = mapped_column(
        ForeignKey("categories.code", ondelete="CASCADE"), primary_key=True
    )
    target_days: Mapped[int]
