"""An issue's history (status changes, public updates, duplicates, reopenings) and who follows what."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.account import User
from app.models.timestamps import utcnow


class EventKind(StrEnum):
    STATUS = "status"  # an official changed the status (alone or in a bulk change)
    UPDATE = "update"  # a public update: text and an optional photo
    DUPLICATE = "duplicate"  # this issue was closed as a duplicate of another
    MERGED = "merged"  # another issue was closed as a duplicate of this one
    REOPEN = "reopen"  # a resident said "not fixed"
    MODERATION = "moderation"  # staff hid, showed or edited something (staff-only)


class IssueEvent(Model):
    """One entry of an issue's timeline: who, when, from which status to which, and the note."""

    __tablename__ = "issue_events"
    __table_args__ = (Index("ix_issue_events_issue_created", "issue_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    # Status codes, not foreign keys: the history outlives a status an admin later removes.
    from_status: Mapped[str | None] = mapped_column(String(40))
    to_status: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(Text, default="")
    by_staff: Mapped[bool] = mapped_column(default=False)  # shown with a "City staff" badge
    is_public: Mapped[bool] = mapped_column(default=True)  # moderation events are staff-only
    is_hidden: Mapped[bool] = mapped_column(default=False)  # an update hidden by a moderator
    related_issue_id: Mapped[int | None] = mapped_column(ForeignKey("issues.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    actor: Mapped[User | None] = relationship(lazy="joined")


class Follow(Model):
    """A resident following one issue or one area (exactly one of the two)."""

    __tablename__ = "follows"
    __table_args__ = (
        UniqueConstraint("user_id", "issue_id", name="uq_follows_user_issue"),
        UniqueConstraint("user_id", "area_id", name="uq_follows_user_area"),
        CheckConstraint("(issue_id IS NULL) <> (area_id IS NULL)", name="ck_follows_issue_xor_area"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    issue_id: Mapped[int | None] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"), index=True)
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
