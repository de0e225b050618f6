"""Neighbourhood groups, their members, their money pools, residents' pledges and the city's matches."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.place import Area
from app.models.timestamps import utcnow


class Group(Model):
    """A neighbourhood group: belongs to one area, has members and exactly one pool."""

    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(String(500), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    area: Mapped[Area] = relationship(lazy="joined")


class Membership(Model):
    """One membership per (group, resident); admins run the group and confirm pledges."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("group_id", "user_id", name="uq_memberships_group_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    is_admin: Mapped[bool] = mapped_column(default=False)
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)


class Pool(Model):
    """A group's money pool; its balances are derived from the ledger, never stored here."""

    __tablename__ = "pools"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), unique=True)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    min_pledge_cents: Mapped[int] = mapped_column(BigInteger, default=100)
    max_pledge_cents: Mapped[int] = mapped_column(BigInteger, default=50_000)
    is_open: Mapped[bool] = mapped_column(default=True)
    # Where residents send what they pledge (an account, whom to hand cash to), in the treasurers' words.
    payment_details: Mapped[str] = mapped_column(String(300), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PledgeStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    DECLINED = "declined"  # the treasurer found no money for it: it never counted
    WITHDRAWN = "withdrawn"  # its pledger took it back before the treasurer confirmed it: it never counted


class Pledge(Model):
    """A resident's micro-investment; the same (resident, Idempotency-Key) is one pledge."""

    __tablename__ = "pledges"
    __table_args__ = (
        UniqueConstraint("user_id", "idempotency_key", name="uq_pledges_user_key"),
        Index("ix_pledges_pool_status", "pool_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pool_id: Mapped[int] = mapped_column(ForeignKey("pools.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(12), default=PledgeStatus.PENDING.value)
    show_name: Mapped[bool] = mapped_column(default=False)
    provider: Mapped[str] = mapped_column(String(40))
    idempotency_key: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    withdrawn_at: Mapped[datetime | None]


class PoolMatch(Model):
    """The city's matching money for a pool: one per (pool, round); round_id NULL = matched by hand."""

    __tablename__ = "pool_matches"
    __table_args__ = (UniqueConstraint("pool_id", "round_id", name="uq_pool_matches_pool_round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pool_id: Mapped[int] = mapped_column(ForeignKey("pools.id", ondelete="CASCADE"), index=True)
    round_id: Mapped[int | None]
    ratio_num: Mapped[int]
    ratio_den: Mapped[int]
    cap_cents: Mapped[int] = mapped_column(BigInteger)
    # The confirmed pledges this match covers (pledges are matched once) and what it added.
    base_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    matched_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
