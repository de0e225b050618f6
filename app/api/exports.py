"""API: streamed exports of the filtered issues for officials (CSV and GeoJSON), the dashboard's filters."""

from __future__ import annotations

from flask import Response, request

from app.api import bp
from app.export_responses import export_response
from app.extensions import db
from app.security import roles_required
from app.services.workspace import dashboard


@bp.get("/exports/issues.csv")
@roles_required("official", "admin")
def export_issues_csv() -> Response:
    return export_response("csv", dashboard.parse_filters(db.session, request.args))


@bp.get("/exports/issues.geojson")
@roles_required("official", "admin")
def export_issues_geojson() -> Response:
    return export_response("geojson", dashboard.parse_filters(db.session, request.args))
