"""GeoReport v2 endpoints: discovery, services, service definitions, requests (list, one, create).

Statuses map to GeoReport's two: open types are "open"; closed and fixed types are "closed".
The API key is a Commonfix bearer token (`api_key` parameter or Authorization header).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from flask import Response, current_app, request
from sqlalchemy import select

from app.conditional_get import revalidated
from app.extensions import db
from app.models import Category
from app.models.timestamps import utcnow
from app.open311 import bp
from app.open311.formats import FORMATS, render, render_errors, render_one
from app.open311.reporters import per_reporter, reporter, request_values
from app.open311.requests import RequestQuery, find_requests, request_record
from app.photo_stores import photo_settings
from app.ratelimits import Counter, limited_by
from app.services.issues import reports
from app.services.issues.reports import UnknownCategory
from app.services.kernel.errors import DomainError, ValidationError
from app.services.kernel.links import external_url
from app.services.kernel.parsing import parse_id, parse_time
from app.services.kernel.text import shorten

MAX_REQUESTS = 1000
# A report by a resident whose address is not confirmed yet stays hidden (and a lookup finds nothing).
HELD_NOTICE = "Held until the reporter confirms their email address; it is not public before that."
# Our field names -> GeoReport's, so errors name the parameter the client actually sent.
# Our fields as GeoReport v2 names them; the title is the description's first line.
GEOREPORT_FIELDS = {"category": "service_code", "lon": "long", "location": "lat/long", "title": "description"}


def _format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise DomainError(f"Format must be json or xml, not {fmt[:10]!r}.", "format")
    return fmt


@bp.errorhandler(DomainError)
def domain_error(error: DomainError) -> Response:
    db.session.rollback()
    fmt = (request.view_args or {}).get("fmt", "json")
    field = f"{GEOREPORT_FIELDS.get(error.field, error.field)}: " if error.field else ""
    # GeoReport v2, POST Service Request: "404 - service_code or jurisdiction_id was not found", and
    # 400 for any other request it cannot take: an invalid field is a 400 here, not the JSON API's 422.
    if isinstance(error, UnknownCategory):
        status = 404
    elif isinstance(error, ValidationError):
        status = 400
    else:
        status = error.status
    return render_errors(status, field + error.message, fmt if fmt in FORMATS else "json")


@bp.get("/discovery.<fmt>")
def discovery(fmt: str) -> Response:
    fmt = _format(fmt)
    record = {
        "changeset": "2026-11-22T00:00:00Z",
        # The deployment's own desk (found from outside: every city answered "Commonfix city desk").
        "contact": current_app.config["CITY_CONTACT"],
        "key_service": "Ask for an API key by creating an account: POST /api/v1/users then /api/v1/tokens",
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": external_url("open311.services", fmt="json").rsplit("/", 1)[0],
                "changeset": "2026-11-22T00:00:00Z",
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }
    return render_one(record, "discovery", fmt)


@bp.get("/services.<fmt>")
def services(fmt: str) -> Response:
    fmt = _format(fmt)
    rows = db.session.scalars(select(Category).order_by(Category.position, Category.name))
    records = [
        {
            "service_code": c.code,
            "service_name": c.name,
            "description": c.name,
            "metadata": False,
            "type": "realtime",
            "keywords": c.code.replace("-", ","),
            "group": "street",
        }
        for c in rows
    ]
    return revalidated(render(records, "services", "service", fmt))


@bp.get("/services/<code>.<fmt>")
def service_definition(code: str, fmt: str) -> Response:
    fmt = _format(fmt)
    if db.session.get(Category, code) is None:
        return render_errors(404, f"service_code {code[:40]!r} is unknown", fmt)
    # No extra attributes: every service takes the standard fields only.
    return render_one({"service_code": code, "attributes": []}, "service_definition", fmt)


DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _parse_time(name: str) -> datetime | None:
    raw = request.args.get(name)
    if not raw:
        return None
    try:  # RFC 3339's lowercase "z" too (found from outside: it was refused)
        found = parse_time(raw, name)
    except ValidationError:  # GeoReport answers a bad parameter with 400
        # Found from outside: an offset's "+" sent unencoded arrives as a space, and the message did not
        # say why a correct-looking time was refused.
        plus = " An offset's + must be sent as %2B in a URL." if re.search(r"T[\d:.]+ \d", raw) else ""
        raise DomainError(
            f"{name} must be an ISO 8601 date-time such as 2026-11-01T00:00:00Z.{plus}", name
        ) from None
    if name == "end_date" and DATE_ONLY.fullmatch(raw.strip()):
        # A day given as the end means the whole day (found from outside: start_date and end_date of the
        # same day found nothing, the end read as that day's midnight).
        return found + timedelta(days=1) - timedelta(microseconds=1)
    return found


def _default_start(end: datetime) -> datetime:
    """GeoReport's default window: the 90 days before `end` (from the first representable day)."""
    window = timedelta(days=90)
    return end - window if end - datetime.min > window else datetime.min


def _filtered_query() -> RequestQuery:
    """The list's filters: service_code and status (comma-separated lists), a requested_datetime window."""
    # GeoReport v2: status "can be declared multiple times, comma delimited".
    statuses = tuple(s for s in request.args.get("status", "").split(",") if s)
    if any(s not in ("open", "closed") for s in statuses):
        raise DomainError("status must be open, closed or both (comma-separated).", "status")
    end = _parse_time("end_date") or utcnow()
    start = _parse_time("start_date") or _default_start(end)
    if start > end:  # as the CSV export says, rather than an empty list that looks like no requests
        raise DomainError("start_date must not be after end_date.", "start_date")
    return RequestQuery(
        service_codes=tuple(c for c in request.args.get("service_code", "").split(",") if c),
        statuses=statuses,
        start=start,
        end=end,
        limit=MAX_REQUESTS,
    )


@bp.get("/requests.<fmt>")
def list_requests(fmt: str) -> Response:
    fmt = _format(fmt)
    try:
        ids = [
            parse_id(part, "service_request_id")
            for part in request.args.get("service_request_id", "").split(",")
            if part
        ]
    except ValidationError as error:
        raise DomainError(
            f"service_request_id must be a comma-separated list of request ids: {error.message}",
            "service_request_id",
        ) from None
    # GeoReport v2: service_request_id "overrides all other arguments".
    query = RequestQuery(ids=tuple(ids), limit=MAX_REQUESTS) if ids else _filtered_query()
    records = [request_record(row) for row in find_requests(db.session, query)]
    return revalidated(render(records, "service_requests", "request", fmt))  # pollers get 304s


@bp.get("/requests/<int:request_id>.<fmt>")
def get_request(request_id: int, fmt: str) -> Response:
    fmt = _format(fmt)
    rows = find_requests(db.session, RequestQuery(ids=(request_id,), limit=1))
    if not rows:
        return render_errors(404, f"service_request_id {request_id} not found", fmt)
    return render([request_record(rows[0])], "service_requests", "request", fmt)


@bp.post("/requests.<fmt>")
@limited_by(Counter("RATE_LIMIT_REPORT", per_reporter))
def create_request(fmt: str) -> Response:
    fmt = _format(fmt)
    values = request_values()
    if values is None:
        raise DomainError("Send the request's fields as a form or as one JSON object, in UTF-8.", "body")
    user = reporter()
    if user is None:
        return render_errors(403, "api_key is missing or invalid", fmt)
    code = values.get("service_code")
    if code is None or (isinstance(code, str) and not code.strip()):
        # GeoReport v2, POST Service Request: "400 - service_code or jurisdiction_id was not provided".
        return render_errors(400, "service_code: service_code is required (see GET services).", fmt)
    if values.get("lat") in (None, "") and values.get("long") in (None, "") and values.get("address_string"):
        raise ValidationError(
            "lat and long are required: this city places requests by coordinates, not by address_string.",
            "lat",
        )
    raw_description = values.get("description") or ""
    if not isinstance(raw_description, str):
        raise ValidationError("description must be text.", "description")
    description = raw_description.strip()
    if not description:
        raise ValidationError("Describe the problem: description is required.", "description")
    title = shorten(description.splitlines()[0], reports.TITLE_MAX)  # on a word boundary, not mid-word
    issue = reports.create_issue(
        db.session,
        user,
        lat=values.get("lat"),
        lon=values.get("long"),
        category=values.get("service_code"),
        title=title,
        description=description,
        # GeoReport has no field for it: the account's "hide my name" setting decides, as the JSON
        # API's default does (found from outside: a city's GeoReport app named the resident).
        hide_name=user.hide_name_default,
        photo_settings=photo_settings(),
    )
    db.session.commit()
    notice = HELD_NOTICE if issue.awaiting_confirmation else ""
    record = {"service_request_id": str(issue.id), "service_notice": notice, "account_id": str(user.id)}
    return render([record], "service_requests", "request", fmt, 201)
