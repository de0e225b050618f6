"""API: status changes, duplicates, the issue's history, public updates and "not fixed"."""

from __future__ import annotations

from flask import Response, current_app, jsonify, request
from flask_login import current_user

from app.api import bp
from app.api.auth import require_user
from app.api.contract import GEOJSON, JSON, Reply, operation
from app.api.features import issue_feature
from app.api.issues import geojson
from app.api.models.issues import IssueFeature
from app.api.models.workflow import (
    DuplicateMark,
    Event,
    History,
    NotFixedBody,
    StatusChange,
    UpdateBody,
    UpdateForm,
)
from app.api.params import MULTIPART, form_body, json_body
from app.extensions import db
from app.models import User
from app.models.timestamps import rfc3339_or_none
from app.photo_stores import photo_settings
from app.ratelimits import limit
from app.security import roles_required
from app.services.issues import queries as issue_queries
from app.services.issues import timeline
from app.services.issues.timeline import TimelineEntry
from app.services.kernel.links import external_url
from app.services.workflow import duplicates, moderation, updates
from app.services.workflow import status_changes as workflow

STAFF = ("official", "admin")


def _viewer_is_staff() -> bool:
    return bool(current_user.is_authenticated and current_user.is_staff)


def _feature(issue_id: int) -> dict[str, object]:
    issue = issue_queries.get_issue(db.session, issue_id)
    row = issue_queries.get_issue_row(db.session, issue_id)
    return issue_feature(
        row,
        duplicate_of=issue.duplicate_of_id,
        acknowledged_at=rfc3339_or_none(issue.acknowledged_at),
        fixed_at=rfc3339_or_none(issue.fixed_at),
        closed_at=rfc3339_or_none(issue.closed_at),
        last_activity_at=rfc3339_or_none(issue.last_activity_at),
    )


def entry_json(entry: TimelineEntry, staff: bool) -> dict[str, object]:
    data: dict[str, object] = {
        "id": entry.id,
        "kind": entry.kind,
        "actor": entry.actor_name,
        "by_staff": entry.by_staff,
        "from_status": entry.from_status,
        "from_status_name": entry.from_status_name,
        "to_status": entry.to_status,
        "to_status_name": entry.to_status_name,
        "note": entry.note,
        "related_issue_id": entry.related_issue_id,
        "created_at": rfc3339_or_none(entry.created_at),
        "photos": [external_url("issues.photo", filename=p.filename) for p in entry.photos],
    }
    if staff:
        data["hidden"] = entry.is_hidden
        data["public"] = entry.is_public
    return data


@bp.post("/issues/<int:issue_id>/status")
@operation(
    operation_id="changeIssueStatus",
    summary="Change an issue's status with a public note (officials and admins)",
    body={JSON: StatusChange},
    replies={200: Reply("The updated Feature", IssueFeature, GEOJSON)},
    errors=(400, 401, 403, 404, 422),
    secured=True,
)
@roles_required(*STAFF)
def change_status(issue_id: int) -> Response:
    body = json_body()
    workflow.change_status(db.session, require_user(), issue_id, body.get("status"), body.get("note"))
    db.session.commit()
    return geojson(_feature(issue_id))


@bp.post("/issues/<int:issue_id>/duplicate-of")
@operation(
    operation_id="markDuplicate",
    summary="Close an issue as a duplicate of another; likes and followers move (officials)",
    body={JSON: DuplicateMark},
    replies={200: Reply("The original's Feature", IssueFeature, GEOJSON)},
    errors=(400, 401, 403, 404, 409, 422),
    secured=True,
)
@roles_required(*STAFF)
def duplicate_of(issue_id: int) -> Response:
    body = json_body()
    merge = duplicates.mark_duplicate(
        db.session,
        require_user(),
        issue_id,
        body.get("original_id"),
        body.get("note"),
    )
    db.session.commit()
    return geojson(_feature(merge.original_event.issue_id))


@bp.get("/issues/<int:issue_id>/history")
@operation(
    operation_id="getIssueHistory",
    summary="The issue's timeline, oldest first (staff also see staff-only and hidden entries)",
    replies={200: Reply("The timeline", History)},
    errors=(404,),
)
def history(issue_id: int) -> Response:
    issue = issue_queries.get_issue(db.session, issue_id)
    moderation.check_visible(issue, current_user)
    staff = _viewer_is_staff()
    entries = timeline.timeline(db.session, issue_id, staff=staff)
    return jsonify(
        {
            "issue_id": issue_id,
            "status": issue.status,
            "duplicate_of": issue.duplicate_of_id,
            "events": [entry_json(e, staff) for e in entries],
        }
    )


@bp.post("/issues/<int:issue_id>/updates")
@operation(
    operation_id="postIssueUpdate",
    summary="Post a public update (text, optional photo as multipart)",
    body={JSON: UpdateBody, "multipart/form-data": UpdateForm},
    replies={201: Reply("The new timeline entry", Event)},
    errors=(400, 401, 403, 404, 413, 422, 429),
    secured=True,
)
@limit("RATE_LIMIT_UPDATE", per_user=True)
def post_update(issue_id: int) -> tuple[Response, int]:
    user: User = require_user()
    photo = None
    if request.mimetype == MULTIPART:
        fields, photo = form_body()
        text = fields.get("text")
    else:
        text = json_body().get("text")
    event = updates.post_update(
        db.session,
        user,
        issue_id,
        text,
        photo=photo,
        photo_settings=photo_settings(),
    )
    db.session.commit()
    entry = next(e for e in timeline.timeline(db.session, issue_id, staff=True) if e.id == event.id)
    return jsonify(entry_json(entry, user.is_staff)), 201


@bp.post("/issues/<int:issue_id>/not-fixed")
@operation(
    operation_id="notFixed",
    summary="Say a fixed issue is not fixed (within 30 days of the fix): it reopens",
    body={JSON: NotFixedBody},
    body_required=False,
    replies={200: Reply("The reopened Feature", IssueFeature, GEOJSON)},
    errors=(400, 401, 403, 404, 409, 422, 429),
    secured=True,
)
@limit("RATE_LIMIT_UPDATE", per_user=True)
def not_fixed(issue_id: int) -> Response:
    user: User = require_user()
    # The body is optional; when there is one it is checked as every body is (found from outside: a
    # misspelled "note" reopened the problem without it).
    note = json_body().get("note") if request.get_data(cache=True) else None
    workflow.not_fixed(db.session, user, issue_id, note, reopen_status=current_app.config["REOPEN_STATUS"])
    db.session.commit()
    return geojson(_feature(issue_id))
