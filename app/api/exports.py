"""API: streamed exports of the filtered issues for officials (CSV and GeoJSON), the dashboard's filters."""

from __future__ import annotations

from flask import Response, request

from app.api import bp
from app.api.contract import GEOJSON, Reply, operation
from app.api.models.workflow import CsvExportQuery, ExportQuery
from app.export_responses import export_response
from app.extensions import db
from app.security import roles_required
from app.services.workspace import dashboard, exports

EXPORTED = (
    "The priority dashboard's filters as query parameters. The body is streamed (rows are read in keyset "
    "pages), so every issue of a city exports in constant memory; ordered by id (the CSV in the dashboard's "
    "`sort` when one is given). Hidden issues are left out."
)
CSV_COLUMNS = ", ".join(exports.COLUMNS)  # the document names the columns the export writes
ATTACHMENT = {"Content-Disposition": "attachment; filename=commonfix-issues-<time>.<ext>"}


@bp.get("/exports/issues.csv")
@operation(
    operation_id="exportIssuesCsv",
    summary="Export the filtered issues as CSV (officials and admins)",
    description=EXPORTED,
    query=CsvExportQuery,
    replies={
        200: Reply(
            f"One row per issue with the columns {CSV_COLUMNS}. Cells starting with = + - @ are prefixed "
            "with ' so spreadsheets show them as text.",
            media="text/csv",
            schema={"type": "string"},
            headers=ATTACHMENT,
        )
    },
    errors=(401, 403, 422),
    secured=True,
)
@roles_required("official", "admin")
def export_issues_csv() -> Response:
    sort = dashboard.parse_sort(request.args["sort"]) if request.args.get("sort") else None
    return export_response("csv", dashboard.parse_filters(db.session, request.args), sort)


@bp.get("/exports/issues.geojson")
@operation(
    operation_id="exportIssuesGeojson",
    summary="Export the filtered issues as a GeoJSON FeatureCollection (officials and admins)",
    description=EXPORTED,
    query=ExportQuery,
    replies={
        200: Reply(
            "A FeatureCollection of Points (lon, lat), streamed, with the CSV's facts as properties under"
            " GeoJSON's names: `category` and `status` are the codes (the CSV's `category_code` and"
            " `status_code`), `category_name` and `status_name` the names (the CSV's `category` and"
            " `status`).",
            media=GEOJSON,
            schema={"type": "object"},
            headers=ATTACHMENT,
        )
    },
    errors=(401, 403, 422),
    secured=True,
)
@roles_required("official", "admin")
def export_issues_geojson() -> Response:
    return export_response("geojson", dashboard.parse_filters(db.session, request.args))
