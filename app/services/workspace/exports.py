"""Streaming exports of the filtered issues (CSV and GeoJSON) in keyset pages, so memory stays flat.

The generators yield text chunks; a view wraps them in a streamed response. Rows are read in pages
of PAGE_SIZE by ascending id (`WHERE id > last`), which both engines answer from the primary key.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import func, literal, select

from app.database.sessions import DbSession
from app.models import Area, Assignment, Category, Issue, Status, Team, User
from app.models.timestamps import rfc3339
from app.services.kernel.text import safe_cell
from app.services.workspace.dashboard import DashboardFilters, conditions, ordered
from app.services.workspace.stats import core

PAGE_SIZE = 2000
COLUMNS = (
    "id",
    "title",
    "description",
    "category",
    "status",
    "status_type",
    "area",
    "created",
    "acknowledged",
    "fixed",
    "closed",
    "likes",
    "latitude",
    "longitude",
    "url",
    "place",
    # The codes the API, the GeoJSON export and Open311 (service_code) use, to join with them; the
    # columns above give names, for people. Added last, so columns read by position stay where they were.
    "category_code",
    "status_code",
    "area_id",
    # The staff's own fields, as the dashboard filters and the inbox work by them (found from outside:
    # a list sorted by latest activity had no such column, nor the assignee, hidden or merged state).
    "last_activity",
    "assignee",
    "hidden",
    "duplicate_of",
)

_SELECTED = (
    Issue.id,
    Issue.title,
    Issue.description,
    Issue.category_code,
    Category.name,
    Issue.status,
    Status.name,
    Status.type,
    Issue.area_id,
    Area.name,
    Issue.created_at,
    Issue.acknowledged_at,
    Issue.fixed_at,
    Issue.closed_at,
    Issue.likes_count,
    Issue.lat,
    Issue.lon,
    Issue.place,
    Issue.last_activity_at,
    func.coalesce(literal("Team: ") + Team.name, User.display_name).label("assignee"),
    Issue.is_hidden,
    Issue.duplicate_of_id,
)


def timestamp(value: datetime | None) -> str:
    return rfc3339(value) if value is not None else ""


def issue_rows(
    session: DbSession, filters: DashboardFilters, page_size: int = PAGE_SIZE, sort: str | None = None
) -> Iterator[Any]:
    """Every issue matching the filters, by id, fetched one keyset page at a time.

    With a dashboard `sort` the rows come in that order instead, read from one streamed query
    (`yield_per`): a likes order changes under a keyset as residents like, an open cursor does not.
    """
    where = conditions(session, filters)
    joined = (
        select(*_SELECTED)
        .join(Category, Category.code == Issue.category_code)
        .join(Status, Status.code == Issue.status)
        .join(Area, Area.id == Issue.area_id)
        .outerjoin(Assignment, Assignment.issue_id == Issue.id)
        .outerjoin(Team, Team.id == Assignment.team_id)
        .outerjoin(User, User.id == Assignment.user_id)
        .where(*where)
    )
    if sort is not None:
        yield from core(session).execute(ordered(joined, sort).execution_options(yield_per=page_size))
        return
    base = joined.order_by(Issue.id).limit(page_size)
    last_id = 0
    while True:
        rows = core(session).execute(base.where(Issue.id > last_id)).all()  # Core rows: no ORM work
        if not rows:
            return
        yield from rows
        last_id = rows[-1][0]
        if len(rows) < page_size:
            return


def csv_chunks(
    session: DbSession, filters: DashboardFilters, issue_url: str, sort: str | None = None
) -> Iterator[str]:
    """The CSV export: a header, then one row per issue (by id, or in the dashboard's `sort`);
    `issue_url` has `{}` where the id goes."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for count, r in enumerate(issue_rows(session, filters, sort=sort), start=1):
        writer.writerow(
            (
                r.id,
                safe_cell(r.title),
                safe_cell(r.description),
                safe_cell(r[4]),
                safe_cell(r[6]),
                r.type,
                safe_cell(r[9]),
                timestamp(r.created_at),
                timestamp(r.acknowledged_at),
                timestamp(r.fixed_at),
                timestamp(r.closed_at),
                r.likes_count,
                f"{r.lat:.6f}",
                f"{r.lon:.6f}",
                issue_url.format(r.id),
                safe_cell(r.place or ""),
                r.category_code,
                r.status,
                r.area_id,
                timestamp(r.last_activity_at),
                safe_cell(r.assignee or ""),
                "true" if r.is_hidden else "false",
                r.duplicate_of_id or "",
            )
        )
        if count % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def geojson_chunks(session: DbSession, filters: DashboardFilters, issue_url: str) -> Iterator[str]:
    """The GeoJSON export: one FeatureCollection, written feature by feature."""
    yield '{"type":"FeatureCollection","features":['
    separator = ""
    chunk: list[str] = []
    for r in issue_rows(session, filters):
        feature = {
            "type": "Feature",
            "id": r.id,
            "geometry": {"type": "Point", "coordinates": [r.lon, r.lat]},
            "properties": {
                "id": r.id,
                "title": r.title,
                "description": r.description,
                "category": r.category_code,
                "category_name": r[4],
                "status": r.status,
                "status_name": r[6],
                "status_type": r.type,
                "area_id": r.area_id,
                "area": r[9],
                "created": timestamp(r.created_at),
                "acknowledged": timestamp(r.acknowledged_at) or None,
                "fixed": timestamp(r.fixed_at) or None,
                "closed": timestamp(r.closed_at) or None,
                "likes": r.likes_count,
                "url": issue_url.format(r.id),
                "place": r.place,
                # The staff's own fields, as in the CSV (found from outside: only the CSV had them).
                "last_activity": timestamp(r.last_activity_at),
                "assignee": r.assignee,
                "hidden": bool(r.is_hidden),
                "duplicate_of": r.duplicate_of_id,
            },
        }
        chunk.append(separator + json.dumps(feature, ensure_ascii=False, separators=(",", ":")))
        separator = ","
        if len(chunk) >= 500:
            yield "".join(chunk)
            chunk = []
    yield "".join(chunk) + "]}"
