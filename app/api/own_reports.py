"""A reporter's own report through the API, as on its page (app/issues/own_routes.py): hide or show their
name at any time; correct the text or withdraw the report while nobody else has taken it up (409 saying
who did: app/services/issues/own_reports.py). Found from outside: the API offered neither."""

from __future__ import annotations

from flask import Response

from app.api import bp
from app.api.auth import require_user
from app.api.contract import GEOJSON, JSON, Reply, operation
from app.api.issues import get_issue
from app.api.models.issues import IssueFeature, ReportChange
from app.api.params import json_body
from app.extensions import db
from app.photo_stores import photo_store
from app.services.issues import own_reports
from app.services.kernel.errors import ValidationError


@bp.patch("/issues/<int:issue_id>")
@operation(
    operation_id="changeOwnIssue",
    summary="The reporter hides or shows their name on their report, or corrects its title and description",
    description="The name may change at any time; the text only while nobody else has taken the report up "
    "(409 saying who did: a like, a follow, the city's work, a flag...). 404 for anyone else's report.",
    body={JSON: ReportChange},
    replies={200: Reply("The report as it is now", IssueFeature, GEOJSON)},
    errors=(400, 401, 403, 404, 409, 422),
    secured=True,
)
def change_own_issue(issue_id: int) -> Response:
    user = require_user()
    data = json_body()
    if not data:
        raise ValidationError("Give title, description or hide_name to change.", "title")
    if "hide_name" in data:
        if not isinstance(data["hide_name"], bool):
            raise ValidationError("hide_name must be true or false.", "hide_name")
        own_reports.set_name_hidden(db.session, user, issue_id, data["hide_name"])
    if "title" in data or "description" in data:
        issue = own_reports.own_report(db.session, user, issue_id)
        title, description = data.get("title", issue.title), data.get("description", issue.description)
        own_reports.correct(db.session, user, issue_id, title, description)
    db.session.commit()
    return get_issue(issue_id)


@bp.delete("/issues/<int:issue_id>")
@operation(
    operation_id="withdrawOwnIssue",
    summary="The reporter withdraws their report while nobody else has taken it up",
    description="The report is retired: its text, place, photos, likes and follows go, and its id is "
    "never reused. 409 saying who took it up; 404 for anyone else's report.",
    replies={204: Reply("Withdrawn")},
    errors=(401, 403, 404, 409),
    secured=True,
)
def withdraw_own_issue(issue_id: int) -> tuple[str, int]:
    user = require_user()
    files = own_reports.withdraw(db.session, user, issue_id)
    db.session.commit()
    for name in files:  # after the commit: a rolled-back withdrawal keeps its photos
        photo_store().delete(name)
    return "", 204
