"""API: the city's cashier (officials, admins) lists pending backings and confirms or cancels them."""

from __future__ import annotations

from flask import Response, jsonify

from app.api import bp
from app.api.auth import require_user
from app.api.backings import backing_json
from app.api.contract import Reply, operation
from app.api.models import backings as shapes
from app.api.params import int_param
from app.extensions import db
from app.models.timestamps import utcnow
from app.ratelimits import limit
from app.security import roles_required
from app.services.funding import backing_confirmation, pending_backings
from app.services.kernel.parsing import MAX_PAGE

STAFF = ("official", "admin")


@bp.get("/backings/pending")
@operation(
    operation_id="listPendingBackings",
    summary="Backings waiting for the city's cashier to confirm their money arrived (officials, admins)",
    query=shapes.PendingBackingsQuery,
    replies={200: Reply("Pending backings, oldest first, a page at a time", shapes.PendingBackings)},
    errors=(401, 403, 422),
    secured=True,
)
@roles_required(*STAFF)
def list_pending_backings() -> Response:
    page = pending_backings.pending(db.session, int_param("page", maximum=MAX_PAGE) or 1)
    return jsonify(
        {
            "page": page.page,
            "per_page": page.per_page,
            "total": page.total,
            "has_next": page.page < page.pages,
            "items": [
                {"backing": backing_json(r.backing), "issue_title": r.issue_title, "resident": r.resident}
                for r in page.items
            ],
        }
    )


@bp.post("/backings/<int:backing_id>/confirmation")
@operation(
    operation_id="confirmBacking",
    summary="The money of a pending backing arrived: post it to the problem's escrow (officials, admins)",
    description=(
        "Posts the backing once and settles the problem (it may be funded at once). A backing that is "
        "not pending (confirmed already, cancelled), or whose problem was closed, merged or funded or "
        "whose campaign ended, is a 409 naming `backing_id`; nothing moves."
    ),
    replies={200: Reply("Confirmed: the backing is held (or committed)", shapes.Backing)},
    errors=(401, 403, 404, 409, 429),
    secured=True,
)
@roles_required(*STAFF)
@limit("RATE_LIMIT_CASHIER", per_user=True)
def confirm_backing(backing_id: int) -> Response:
    done = backing_confirmation.confirm(db.session, require_user(), backing_id, utcnow())
    db.session.commit()
    return jsonify(backing_json(done.backing))


@bp.post("/backings/<int:backing_id>/cancellation")
@operation(
    operation_id="cancelBacking",
    summary="Cancel a pending backing whose money did not arrive; nothing moves (officials, admins)",
    description="A backing that is not pending is a 409 naming `backing_id`.",
    replies={200: Reply("Cancelled", shapes.Backing)},
    errors=(401, 403, 404, 409, 429),
    secured=True,
)
@roles_required(*STAFF)
@limit("RATE_LIMIT_CASHIER", per_user=True)
def cancel_backing(backing_id: int) -> Response:
    found = backing_confirmation.cancel(db.session, require_user(), backing_id, utcnow())
    db.session.commit()
    return jsonify(backing_json(found))
