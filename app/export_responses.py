"""Streamed HTTP responses for the exports: the issues (CSV, GeoJSON), shared by the staff pages and the
API, and the open data's ledger CSVs."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from flask import Response, stream_with_context

from app.extensions import db
from app.models.timestamps import utcnow
from app.services.kernel.links import external_url
from app.services.workspace import exports
from app.services.workspace.dashboard import DashboardFilters

MIMETYPES = {"csv": "text/csv; charset=utf-8", "geojson": "application/geo+json"}


# UTF-8's byte order mark: Excel reads a CSV without it in the computer's old code page ("Place de
# l'Ã‰glise"); programs reading the API's CSV get none (many take it for part of the first header).
SPREADSHEET_MARK = "\ufeff"


def export_response(
    kind: str, filters: DashboardFilters, sort: str | None = None, *, for_spreadsheets: bool = False
) -> Response:
    """The export as a streamed attachment; rows are read while the body is sent (CSV in `sort`).

    `for_spreadsheets` starts a CSV with the byte order mark (the officials' download from the
    dashboard, opened in a spreadsheet)."""
    # One url_for, not 100,000: the issue URL with a placeholder for the id.
    issue_url = external_url("issues.detail", issue_id=987654321).replace("987654321", "{}")
    if kind == "csv":
        chunks = exports.csv_chunks(db.session, filters, issue_url, sort)
        if for_spreadsheets:
            chunks = itertools.chain([SPREADSHEET_MARK], chunks)
    else:
        chunks = exports.geojson_chunks(db.session, filters, issue_url)
    response = Response(stream_with_context(chunks), content_type=MIMETYPES[kind])
    stamp = utcnow().strftime("%Y%m%d-%H%M")
    response.headers["Content-Disposition"] = f'attachment; filename="commonfix-issues-{stamp}.{kind}"'
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def streamed_csv(chunks: Iterator[str], filename: str) -> Response:
    """A CSV attachment sent while `chunks` is produced (it may read the database as it goes)."""
    return Response(
        stream_with_context(chunks),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
