"""Issues (reported problems), their photos and residents' likes."""

from __future__ import annotations

from datetime import datetime

from geoalchemy2 import Geometry
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.account import User
from app.models.place import Area, Category, Status
from app.models.timestamps import utcnow


class Issue(Model):
    __tablename__ = "issues"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text)
    category_code: Mapped[str] = mapped_column(ForeignKey("categories.code"), index=True)
    status: Mapped[str] = mapped_column(ForeignKey("statuses.code"), index=True, default="new")
    # lon/lat are kept beside the geometry so hot read paths select plain columns.
    lon: Mapped[float]
    lat: Mapped[float]
    geom: Mapped[object] = mapped_column(Geometry("POINT", srid=4326, spatial_index=True, nullable=False))
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    # The nearest street as words ("near 12 Willow Drive, Station Quarter"), found when reported
    # (app/services/gazetteer); None where no street is known near the point.
    place: Mapped[str | None] = mapped_column(String(240))
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    hide_name: Mapped[bool] = mapped_column(default=False)
    # Kept by database triggers on `likes` (migration c4d2e7a1f0b3): code never writes it.
    likes_count: Mapped[int] = mapped_column(default=0)
    # Set by an official (PUT /api/v1/issues/<id>/estimate); a costed open issue is a round candidate.
    cost_estimate_cents: Mapped[int | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # When its public words last changed (the reporter's correction, a staff edit of its text or
    # category): a feed entry's <updated> counts it (found from outside: feeds never showed a correction).
    edited_at: Mapped[datetime | None] = mapped_column(default=None)
    # Set by the status workflow (app/services/workflow/status_changes.py); read by exports, dashboard.
    acknowledged_at: Mapped[datetime | None]
    fixed_at: Mapped[datetime | None]
    # fixed_at - created_at in days, kept by database triggers (migration f4a8c2e6d1b9) with the same
    # arithmetic as spellings.days_between; code never writes it. Its indexes below give the officials'
    # median time to fix per area and per category by position instead of reading every fixed issue.
    days_to_fix: Mapped[float | None] = mapped_column(deferred=True)
    closed_at: Mapped[datetime | None]
    last_activity_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # No ON DELETE on the two keys below: SQLite adds them in place and cannot reflect one back.
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("issues.id"))
    is_hidden: Mapped[bool] = mapped_column(default=False)  # hidden by a moderator: staff-only
    # Reported before the reporter confirmed their email: hidden (is_hidden) until they do, then published.
    awaiting_confirmation: Mapped[bool] = mapped_column(default=False)
    # When its reporter withdrew it (or discarded it, held): the row stays, hidden and emptied, so its
    # id is never given to another report (own_reports.py, held_reports.py).
    withdrawn_at: Mapped[datetime | None] = mapped_column(default=None)
    # The issue's GeoJSON Feature as text, before and after its like count. Kept by database triggers
    # (migration bc380c228d29) as the issue and the names it shows change; code never writes them. The map
    # and the lists read them (issue_queries.feature_page); nothing loads them with the issue.
    feature_head: Mapped[str | None] = mapped_column(Text, deferred=True)
    feature_tail: Mapped[str | None] = mapped_column(Text, deferred=True)

    category: Mapped[Category] = relationship(lazy="joined")
    status_info: Mapped[Status] = relationship(lazy="joined")
    area: Mapped[Area] = relationship(lazy="joined")
    reporter: Mapped[User | None] = relationship(lazy="joined")
    photos: Mapped[list[Photo]] = relationship(
        back_populates="issue", cascade="all, delete-orphan", order_by="Photo.id"
    )

    @property
    def public_photos(self) -> list[Photo]:
        """The report's own photos that a moderator has not hidden (update photos show on the timeline)."""
        return [p for p in self.photos if not p.is_hidden and p.event_id is None]


# The ranked list: most likes first, ties to the older report (city-wide and per area). The columns run in
# the ORDER BY's own directions, so the top 50 are read off the index instead of sorting a whole area.
# is_hidden leads (every list asks `is_hidden = false`) and status ends them, so the filters are checked in
# the index: with status first SQLite's planner preferred ix_issues_workspace and sorted every open issue.
Index(
    "ix_issues_area_rank",
    Issue.is_hidden,
    Issue.area_id,
    Issue.likes_count.desc(),
    Issue.created_at,
    Issue.id,
    Issue.status,
)
Index("ix_issues_rank", Issue.is_hidden, Issue.likes_count.desc(), Issue.created_at, Issue.id, Issue.status)
# Median time to fix: a status's visible issues of one area (or category) in days_to_fix order.
Index("ix_issues_area_fix", Issue.status, Issue.is_hidden, Issue.area_id, Issue.days_to_fix)
Index("ix_issues_category_fix", Issue.status, Issue.is_hidden, Issue.category_code, Issue.days_to_fix)
# Covering indexes for the officials' workspace (app/services/workspace/stats.py, dashboard counts):
# summary, charts and heat cells read only these columns, so neither engine visits the table rows.
Index(
    "ix_issues_workspace",
    Issue.status,
    Issue.is_hidden,
    Issue.area_id,
    Issue.category_code,
    Issue.likes_count,
    Issue.created_at,
    Issue.fixed_at,
    Issue.lat,
    Issue.lon,
)
# is_hidden first in both (every workspace query asks `is_hidden = false`), so the date range is the
# planner's clear choice over ix_issues_rank's equal prefix: the weekly chart and the last 30 days' fixes
# read only the weeks they show.
Index("ix_issues_created_scope", Issue.is_hidden, Issue.created_at, Issue.area_id, Issue.category_code)
Index(
    "ix_issues_fixed_scope", Issue.status, Issue.is_hidden, Issue.fixed_at, Issue.area_id, Issue.category_code
)


class Photo(Model):
    """A re-encoded photo (metadata stripped), stored as a file in the upload folder."""

    __tablename__ = "photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(40))
    width: Mapped[int]
    height: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A photo posted with a public update belongs to that timeline entry.
    event_id: Mapped[int | None] = mapped_column(ForeignKey("issue_events.id"), index=True)
    is_hidden: Mapped[bool] = mapped_column(default=False)

    issue: Mapped[Issue] = relationship(back_populates="photos")


class Like(Model):
    """One like per (resident, issue), enforced by the database."""

    __tablename__ = "likes"
    __table_args__ = (UniqueConstraint("user_id", "issue_id", name="uq_likes_user_issue"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class IssueCell(Model):
    """Visible issues counted per cell of the map's finest clustering grid (geo.grid.FINE_GRID), status,
    category and area, with the sums of their coordinates. Kept by database triggers on `issues`
    (migration d7e2a9c41b5f) as issues are added, moved, re-categorised, changed in status, hidden or
    deleted; code never writes it. The map's clusters add these rows up instead of counting issues."""

    __tablename__ = "issue_cells"

    cell_x: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    cell_y: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    status: Mapped[str] = mapped_column(String(40), primary_key=True)
    category_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    area_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    issues: Mapped[int]
    sum_lon: Mapped[float]
    sum_lat: Mapped[float]


class IssueCount(Model):
    """Visible issues counted per area, category and status, with the sum of their likes and how many have
    a time to fix. Kept by database triggers on `issues` (migration f4a8c2e6d1b9) as issues are added,
    liked, moved, re-categorised, changed in status, fixed, hidden or deleted; code never writes it. The
    officials' dashboard adds these few hundred rows up instead of counting a city's issues."""

    __tablename__ = "issue_counts"

    area_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    category_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    status: Mapped[str] = mapped_column(String(40), primary_key=True)
    issues: Mapped[int]
    likes: Mapped[int]
    timed_fixes: Mapped[int]  # rows with a fixed_at (so with a days_to_fix)
