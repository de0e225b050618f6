"""Who may vote in a round: the city's census (salted hashes only) and one-time voting codes.

A round's `eligibility` (app/models/rounds.Round) is one of `Eligibility`; it is chosen when the round is
created and frozen when voting opens. Identifiers and codes are never stored in clear: a census entry
keeps sha256(upload salt + normalised identifier), a voting code keeps sha256(normalised code); see
app/services/rounds/voter_keys.py for the one place that computes them.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.models.timestamps import utcnow


class Eligibility(StrEnum):
    MEMBERS = "members"  # confirmed members of the round's group
    CENSUS = "census"  # residents verified against the census of the group's area
    CODES = "codes"  # holders of a one-time voting code of the round


class CensusUpload(Model):
    """One census file an official uploaded for an area; the newest unreplaced one is the area's census."""

    __tablename__ = "census_uploads"
    __table_args__ = (Index("ix_census_uploads_area", "area_id", "uploaded_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="CASCADE"))
    salt: Mapped[str] = mapped_column(String(64))  # random hex, one per upload
    entries_count: Mapped[int]
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    replaced_at: Mapped[datetime | None]


class CensusEntry(Model):
    """One identifier of a census, as a salted hash; `user_id` is the resident who verified with it."""

    __tablename__ = "census_entries"
    __table_args__ = (
        UniqueConstraint("upload_id", "id_hash", name="uq_census_entries_upload_hash"),
        UniqueConstraint("upload_id", "user_id", name="uq_census_entries_upload_user"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    upload_id: Mapped[int] = mapped_column(ForeignKey("census_uploads.id", ondelete="CASCADE"))
    id_hash: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    verified_at: Mapped[datetime | None]


class VotingCodeBatch(Model):
    """A batch of one-time voting codes generated for a round (the codes are shown once, then hashed)."""

    __tablename__ = "voting_code_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    count: Mapped[int]
    label: Mapped[str] = mapped_column(String(120), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CodeUse(StrEnum):
    ONLINE = "online"  # typed in by a resident on the ballot page
    PAPER = "paper"  # written on a paper ballot entered by officials


class VotingCode(Model):
    """One one-time code: usable once, online or on paper; `used_at` is set by the atomic claim."""

    __tablename__ = "voting_codes"
    __table_args__ = (UniqueConstraint("round_id", "code_hash", name="uq_voting_codes_round_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(
        ForeignKey("voting_code_batches.id", ondelete="CASCADE"), index=True
    )
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None]
    used_via: Mapped[str | None] = mapped_column(String(10))  # CodeUse
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
