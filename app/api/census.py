"""API: the city's census of an area (officials upload it) and residents' verification against it."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, jsonify, request

from app.api import bp
from app.api.auth import require_user
from app.api.contract import JSON, Reply, operation
from app.api.models import census as shapes
from app.api.params import json_body
from app.extensions import db
from app.models.timestamps import rfc3339
from app.ratelimits import limit
from app.services.kernel.errors import ValidationError
from app.services.rounds import census, eligibility
from app.services.rounds.access import require_official

MULTIPART = "multipart/form-data"


def status_json(found: census.CensusStatus) -> dict[str, Any]:
    return {
        "area_id": found.area_id,
        "area_name": found.area_name,
        "census": found.upload is not None,
        "verified": found.verified_at is not None,
        "verified_at": None if found.verified_at is None else rfc3339(found.verified_at),
    }


def uploaded_rows() -> tuple[list[tuple[str, str]], str]:
    """The census's rows from a multipart CSV (`census`) or a JSON `identifiers` list, and its field."""
    if request.mimetype == MULTIPART:
        sent = request.files.get("census")
        if sent is None or not sent.filename:
            raise ValidationError("Attach the census CSV file as the `census` field.", "census")
        return census.csv_rows(
            census.decode_file(sent.stream, current_app.config["CENSUS_MAX_BYTES"])
        ), "census"
    return census.json_rows(json_body().get("identifiers")), "identifiers"


@bp.post("/areas/<int:area_id>/census")
@operation(
    operation_id="uploadCensus",
    summary="Replace an area's census (officials): identifiers kept only as salted hashes",
    body={JSON: shapes.CensusIdentifiers, MULTIPART: shapes.CensusFile},
    replies={201: Reply("The census stored", shapes.CensusUploaded)},
    errors=(400, 401, 403, 404, 409, 413, 422),
    secured=True,
)
def upload_census(area_id: int) -> tuple[Response, int]:
    user = require_user()
    require_official(user, "upload a census", "census")  # before the body is read: residents get 403
    rows, field = uploaded_rows()
    replaced = eligibility.current_census(db.session, area_id) is not None
    stored = census.upload(
        db.session, user, area_id, rows, current_app.config["CENSUS_MAX_ENTRIES"], field=field
    )
    db.session.commit()
    body = {
        "area_id": area_id,
        "entries_count": stored.entries_count,
        "uploaded_at": rfc3339(stored.uploaded_at),
        "replaced_previous": replaced,
    }
    return jsonify(body), 201


@bp.get("/areas/<int:area_id>/census/verification")
@operation(
    operation_id="getCensusVerification",
    summary="Whether the area has a census and you are verified against it",
    replies={200: Reply("Your verification", shapes.CensusStatus)},
    errors=(401, 403, 404),
    secured=True,
)
def census_verification(area_id: int) -> Response:
    return jsonify(status_json(census.status(db.session, require_user(), area_id)))


@bp.post("/areas/<int:area_id>/census/verification")
@operation(
    operation_id="verifyCensus",
    summary="Verify that you live in an area with the identifier from the city's letter (once)",
    body={JSON: shapes.Verification},
    replies={200: Reply("You are verified", shapes.CensusStatus)},
    errors=(400, 401, 403, 404, 409, 422, 429),
    secured=True,
)
@limit("RATE_LIMIT_CENSUS_VERIFY", per_user=True)
def verify_census(area_id: int) -> Response:
    found = census.verify(db.session, require_user(), area_id, json_body().get("identifier"))
    db.session.commit()
    return jsonify(status_json(found))
