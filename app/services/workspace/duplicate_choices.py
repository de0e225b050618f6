"""Open reports near a problem that it may duplicate, nearest first, for the staff's duplicate picker."""

from __future__ import annotations

from dataclasses import dataclass

from app.database.sessions import DbSession
from app.models import Issue
from app.models.place import StatusType
from app.services.issues.queries import IssueFilters, list_issues
from geo.distance import bbox_around
from geo.nearby import Located, nearest_within


@dataclass(frozen=True)
class Candidate:
    id: int
    title: str
    category_name: str
    status_name: str
    likes: int
    distance_m: float


def nearby_open(session: DbSession, issue: Issue, radius_m: float, limit: int) -> list[Candidate]:
    """Open reports of any category within `radius_m` metres of `issue` (itself excluded)."""
    box = bbox_around(issue.lon, issue.lat, radius_m)
    # Hidden reports are no originals: a visible report's likes and followers would move out of sight.
    filters = IssueFilters(statuses=(StatusType.OPEN.value,), bbox=box)
    rows = [r for r in list_issues(session, filters, "rank", limit=1000) if r.id != issue.id]
    near = nearest_within(issue.lon, issue.lat, (Located(r, r.lon, r.lat) for r in rows), radius_m, limit)
    return [
        Candidate(
            n.item.id, n.item.title, n.item.category_name, n.item.status_name, n.item.likes, n.distance_m
        )
        for n in near
    ]
