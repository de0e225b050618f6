"""Reading issues as GeoReport v2 service requests (selected columns, newest first)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select

from app.database.sessions import DbSession
from app.models import Category, Issue, IssueEvent, Photo, Status
from app.models.timestamps import rfc3339
from app.models.workflow import EventKind
from app.services.issues.photo_access import photo_is_public
from app.services.kernel.links import external_url


@dataclass(frozen=True)
class RequestQuery:
    ids: tuple[int, ...] = ()
    service_codes: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()  # "open", "closed" or both; none is every status
    start: datetime | None = None
    end: datetime | None = None
    limit: int = 1000


def find_requests(session: DbSession, query: RequestQuery) -> list[dict[str, Any]]:
    stmt = (
        select(
            Issue.id,
            Issue.title,
            Issue.description,
            Issue.category_code,
            Category.name.label("category_name"),
            Status.type.label("status_type"),
            Status.name.label("status_name"),
            Issue.created_at,
            Issue.updated_at,
            Issue.lon,
            Issue.lat,
            Issue.place,
        )
        .join(Category, Category.code == Issue.category_code)
        .join(Status, Status.code == Issue.status)
        .order_by(Issue.created_at.desc(), Issue.id.desc())
        .limit(query.limit)
    )
    hidden = getattr(Issue, "is_hidden", None)
    if hidden is not None:
        stmt = stmt.where(hidden.is_(False))
    if query.ids:
        stmt = stmt.where(Issue.id.in_(query.ids))
    if query.service_codes:
        stmt = stmt.where(Issue.category_code.in_(query.service_codes))
    if set(query.statuses) == {"open"}:
        stmt = stmt.where(Status.type == "open")
    elif set(query.statuses) == {"closed"}:
        stmt = stmt.where(Status.type != "open")
    if query.start is not None:
        stmt = stmt.where(Issue.created_at >= query.start)
    if query.end is not None:
        stmt = stmt.where(Issue.created_at <= query.end)
    rows = list(session.execute(stmt).all())
    photos: dict[int, str] = {}
    notes: dict[int, str] = {}
    if rows:
        ids = [r.id for r in rows]
        for issue_id, filename in session.execute(
            select(Photo.issue_id, Photo.filename)
            # The report's own first photo, and only while the public may see it.
            .where(Photo.issue_id.in_(ids), Photo.event_id.is_(None), photo_is_public())
            .order_by(Photo.id)
        ):
            photos.setdefault(issue_id, filename)
        notes = _status_notes(session, ids)
    return [_with_extras(r, photos.get(r.id), notes.get(r.id, "")) for r in rows]


def _status_notes(session: DbSession, ids: list[int]) -> dict[int, str]:
    """issue id -> the note of its latest public status change ("" when that change had none: an older
    note would speak of another status). Closing as a duplicate and a resident's "not fixed" change the
    status too (found from outside: a reopened problem read "New: Filled today")."""
    found: dict[int, str] = {}
    for issue_id, note in session.execute(
        select(IssueEvent.issue_id, IssueEvent.note)
        .where(
            IssueEvent.issue_id.in_(ids),
            IssueEvent.kind.in_((EventKind.STATUS.value, EventKind.DUPLICATE.value, EventKind.REOPEN.value)),
            IssueEvent.is_public.is_(True),
            IssueEvent.is_hidden.is_(False),
        )
        .order_by(IssueEvent.created_at, IssueEvent.id)
    ).tuples():
        found[issue_id] = note  # the latest wins
    return found


def _with_extras(row: Row[Any], filename: str | None, note: str) -> dict[str, Any]:
    data = row._asdict()
    data["photo"] = filename
    data["status_note"] = note
    return data


def described(title: str, description: str) -> str:
    """GeoReport's one text field: the title, then the description, as FixMyStreet's Open311 server sends
    them (found from outside: the title of every report made on the web or the API was left out). A
    report sent through Open311 has its description's first line as its title: it is said once."""
    if description.startswith(title.rstrip("…")):
        return description
    return f"{title}: {description}"


def request_record(row: dict[str, Any]) -> dict[str, Any]:
    # The detailed status (GeoReport's own is only open or closed) and what the city said with it.
    notes = f"{row['status_name']}: {row['status_note']}" if row["status_note"] else row["status_name"]
    return {
        "service_request_id": str(row["id"]),
        "status": "open" if row["status_type"] == "open" else "closed",
        "status_notes": notes,
        "service_name": row["category_name"],
        "service_code": row["category_code"],
        "description": described(row["title"], row["description"]),
        "agency_responsible": "",
        "service_notice": "",
        "requested_datetime": rfc3339(row["created_at"]),
        "updated_datetime": rfc3339(row["updated_at"]),
        "expected_datetime": None,
        "address": row["place"] or "",
        "address_id": "",
        "zipcode": "",
        "lat": row["lat"],
        "long": row["lon"],
        "media_url": external_url("issues.photo", filename=row["photo"]) if row["photo"] else "",
    }
