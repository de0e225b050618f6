"""API: residents flag an issue, an update or a photo; moderators read the queue and resolve it."""

from __future__ import annotations

from flask import Response, jsonify

from app.api import bp
from app.api.auth import require_user
from app.api.contract import JSON, Reply, operation
from app.api.models.flags import FlagQueue, FlagQueueQuery, FlagState, NewFlag, Resolution, Resolved
from app.api.params import int_param, json_body
from app.extensions import db
from app.models.timestamps import rfc3339
from app.ratelimits import limit
from app.security import roles_required
from app.services.kernel.parsing import MAX_PAGE
from app.services.workflow import flags
from app.services.workflow.flag_queue import flag_queue

STAFF = ("official", "admin")


@bp.post("/issues/<int:issue_id>/flags")
@operation(
    operation_id="flagIssue",
    summary="Flag an issue, or one of its updates or photos, for the moderators",
    description=(
        "A resident's second flag on the same item while the first is open changes nothing (200, `created` "
        "false); after a moderator left the item visible it opens again (201)."
    ),
    body={JSON: NewFlag},
    replies={201: Reply("Flagged", FlagState), 200: Reply("Already flagged by you", FlagState)},
    errors=(400, 401, 403, 404, 422, 429),
    secured=True,
)
@limit("RATE_LIMIT_FLAG", per_user=True)
def flag_issue(issue_id: int) -> tuple[Response, int]:
    user = require_user()  # a stranger gets 401 whatever the body
    data = json_body()
    outcome = flags.flag(
        db.session,
        user,
        issue_id,
        target_type=data.get("target_type"),
        target_id=data.get("target_id"),
        reason=data.get("reason"),
        note=data.get("note"),
    )
    db.session.commit()
    body = jsonify({"created": outcome.created, "open_flags": outcome.open_flags})
    return body, 201 if outcome.created else 200


@bp.get("/flags")
@operation(
    operation_id="listFlags",
    summary="The moderation queue: flagged items, most flagged first (officials and admins)",
    query=FlagQueueQuery,
    replies={200: Reply("Items with open flags, a page at a time", FlagQueue)},
    errors=(401, 403, 422),
    secured=True,
)
@roles_required(*STAFF)
def list_flags() -> Response:
    page = flag_queue(db.session, int_param("page", maximum=MAX_PAGE) or 1)
    return jsonify(
        {
            "page": page.page,
            "per_page": page.per_page,
            "total": page.total,
            "has_next": page.page < page.pages,
            "items": [
                {
                    "target_type": item.target_type,
                    "target_id": item.target_id,
                    "issue_id": item.issue_id,
                    "issue_title": item.issue_title,
                    "count": item.count,
                    "reasons": item.reasons,
                    "notes": item.notes,
                    "latest": rfc3339(item.latest),
                }
                for item in page.items
            ],
        }
    )


@bp.post("/flags/<target_type>/<int:target_id>/resolution")
@operation(
    operation_id="resolveFlags",
    summary="Hide the flagged item (with a reason) or dismiss its flags; each flagger is emailed",
    body={JSON: Resolution},
    replies={200: Reply("Resolved", Resolved)},
    errors=(400, 401, 403, 404, 422),
    secured=True,
)
@roles_required(*STAFF)
def resolve_flags(target_type: str, target_id: int) -> Response:
    data = json_body()
    count = flags.resolve(
        db.session, require_user(), target_type, target_id, data.get("action"), data.get("reason") or ""
    )
    db.session.commit()
    return jsonify({"resolved": count})
