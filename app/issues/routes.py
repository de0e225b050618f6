"""Problem pages."""

from __future__ import annotations

from flask import current_app, render_template, send_from_directory
from werkzeug.wrappers import Response

from app.extensions import db
from app.issues import bp
from app.services import issue_queries


@bp.get("/<int:issue_id>")
def detail(issue_id: int) -> str:
    issue = issue_queries.get_issue(db.session, issue_id)
    return render_template("issues/detail.html", issue=issue)


@bp.get("/photos/<path:filename>")
def photo(filename: str) -> Response:
    response = send_from_directory(current_app.config["UPLOAD_FOLDER"], filename, max_age=86400)
    return response
