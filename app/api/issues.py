"""API: issues as GeoJSON (map, lists, suggestions), reporting, likes."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, jsonify, request
from flask_login import current_user

from app.api import bp
from app.api.auth import require_actor, require_user
from app.api.backings import funding_json
from app.api.contract import ETAG, GEOJSON, JSON, NOT_MODIFIED, Reply, operation
from app.api.features import (
    cluster_collection,
    issue_feature,
    issue_url_template,
    page_feature_collection,
)
from app.api.issue_paging import issue_paging
from app.api.models.issues import (
    IssueFeature,
    IssueListQuery,
    IssueMap,
    LikeState,
    NewIssue,
    NewIssueForm,
    SuggestionCollection,
    SuggestionQuery,
)
from app.api.params import MULTIPART, form_body, int_param, json_body
from app.conditional_get import revalidated
from app.extensions import db
from app.models import Issue, User
from app.models.timestamps import utcnow
from app.photo_stores import photo_settings
from app.ratelimits import limit
from app.services.funding import backings
from app.services.issues import clusters, likes, reports
from app.services.issues import queries as issue_queries
from app.services.issues.queries import IssueFilters
from app.services.kernel.errors import ValidationError
from app.services.kernel.links import external_url
from app.services.workflow import moderation
from geo.coordinates import CoordinateError, parse_bbox, parse_lat, parse_lon
from geo.geojson import feature_collection
from geo.grid import MAX_ZOOM, Grid


def filters_from_query() -> IssueFilters:
    bbox = None
    try:
        if request.args.get("bbox"):
            bbox = parse_bbox(request.args["bbox"])
    except CoordinateError as exc:
        raise ValidationError(exc.message, exc.field) from None
    statuses = tuple(s for s in request.args.get("status", "").split(",") if s)
    return IssueFilters(
        category=request.args.get("category") or None,
        statuses=statuses,
        area_id=int_param("area"),
        bbox=bbox,
    )


def geojson(payload: dict[str, object], status: int = 200) -> Response:
    response = jsonify(payload)
    response.status_code = status
    response.mimetype = "application/geo+json"
    return response


@bp.get("/issues")
@operation(
    operation_id="listIssues",
    summary="Issues as GeoJSON, filtered and paginated; with a low zoom, counted per grid cell",
    query=IssueListQuery,
    replies={
        200: Reply(
            "A FeatureCollection of issues (pins), or with `zoom` at or below the clustering zoom, of"
            " clusters (`clustered: true`)",
            IssueMap,
            GEOJSON,
            headers=ETAG,
        ),
        304: NOT_MODIFIED,
    },
    errors=(422,),
)
def list_issues() -> Response:
    filters = filters_from_query()
    config = current_app.config
    zoom = int_param("zoom", minimum=0, maximum=MAX_ZOOM)
    if zoom is not None and zoom <= config["MAP_CLUSTER_MAX_ZOOM"]:
        grid = Grid(zoom, config["MAP_CLUSTER_CELLS_PER_TILE"])
        return revalidated(geojson(cluster_collection(clusters.clusters(db.session, filters, grid))))
    # A map asks for one viewport at a time and may take up to MAP_MAX_FEATURES at once.
    cap = config["MAP_MAX_FEATURES"] if filters.bbox else config["API_MAX_PER_PAGE"]
    paging = issue_paging(cap, cap if filters.bbox else 20)
    found = issue_queries.feature_page(
        db.session,
        filters,
        paging.sort,
        paging.per_page,
        paging.offset,
        issue_url_template(),
        after=paging.after or 0,
    )
    payload = page_feature_collection(found, **paging.members(found))
    if not filters.bbox:
        payload["total"] = issue_queries.count_issues(db.session, filters)
    return revalidated(geojson(payload))


@bp.get("/issues/suggestions")
@operation(
    operation_id="issueSuggestions",
    summary="Up to 5 open same-category issues within 250 m, nearest first",
    query=SuggestionQuery,
    replies={200: Reply("A FeatureCollection", SuggestionCollection, GEOJSON)},
    errors=(422,),
)
def suggestions() -> Response:
    try:
        lat = parse_lat(request.args.get("lat"))
        lon = parse_lon(request.args.get("lon"))
    except CoordinateError as exc:
        raise ValidationError(exc.message, exc.field) from None
    category = request.args.get("category", "").strip()
    if not category:
        raise ValidationError("category is required.", "category")
    config = current_app.config
    near = issue_queries.suggestions(
        db.session, lon, lat, category, config["DUPLICATE_RADIUS_M"], config["DUPLICATE_LIMIT"]
    )
    liked: set[int] = set()
    if current_user.is_authenticated:
        liked = likes.liked_issue_ids(db.session, current_user.id, [row.id for row, _ in near])
    features = [issue_feature(row, distance_m=round(d), liked_by_me=row.id in liked) for row, d in near]
    return geojson(feature_collection(features, radius_m=config["DUPLICATE_RADIUS_M"]))


@bp.post("/issues")
@operation(
    operation_id="createIssue",
    summary="Report a problem (JSON, or multipart/form-data with an optional `photo`)",
    body={JSON: NewIssue, "multipart/form-data": NewIssueForm},
    replies={
        201: Reply(
            "Created; Location points at the new issue",
            IssueFeature,
            GEOJSON,
            headers={"Location": "the new issue's API URL"},
        )
    },
    errors=(400, 401, 403, 413, 422, 429),
    secured=True,
)
@limit("RATE_LIMIT_REPORT", per_user=True)
def create_issue() -> Response:
    user = require_user()
    photo = None
    data: dict[str, object]
    if request.mimetype == MULTIPART:
        fields, photo = form_body()
        data = {**fields}
    else:
        data = json_body()
    issue = reports.create_issue(
        db.session,
        user,
        lat=data.get("lat"),
        lon=data.get("lon"),
        category=data.get("category"),
        title=data.get("title"),
        description=data.get("description"),
        hide_name=hide_name_of(data, user, form=request.mimetype == "multipart/form-data"),
        photo=photo,
        photo_settings=photo_settings(),
    )
    db.session.commit()
    row = issue_queries.get_issue_row(db.session, issue.id)
    # Found from outside: a report held for the address's confirmation answered as if published, and
    # without the reporter's name and photos a client needs to confirm what it sent.
    extra = {**_one_issue(issue), "held": issue.awaiting_confirmation}
    response = geojson(issue_feature(row, **extra), 201)
    response.headers["Location"] = external_url("api.get_issue", issue_id=issue.id)
    return response


FORM_TRUE, FORM_FALSE = ("1", "true", "on", "yes"), ("0", "false", "off", "no")


def hide_name_of(data: dict[str, object], user: User, *, form: bool) -> bool:
    """The report's `hide_name`; without one, the resident's default from their account settings.

    JSON takes true or false; a form field (text) one of FORM_TRUE or FORM_FALSE. Anything else is
    refused naming the field, rather than read as one or the other."""
    raw = data.get("hide_name")
    if raw is None or (form and raw == ""):
        return user.hide_name_default
    if isinstance(raw, bool):
        return raw
    if form and isinstance(raw, str) and raw.lower() in FORM_TRUE + FORM_FALSE:
        return raw.lower() in FORM_TRUE
    raise ValidationError("hide_name must be true or false.", "hide_name")


@bp.get("/issues/<int:issue_id>")
@operation(
    operation_id="getIssue",
    summary="One issue (with description; liked_by_me when authenticated)",
    replies={200: Reply("The Feature", IssueFeature, GEOJSON, headers=ETAG), 304: NOT_MODIFIED},
    errors=(404,),
)
def get_issue(issue_id: int) -> Response:
    issue = issue_queries.get_issue(db.session, issue_id)
    moderation.check_visible(issue, current_user)
    row = issue_queries.get_issue_row(db.session, issue_id)
    extra = _one_issue(issue)
    if current_user.is_authenticated:
        extra["liked_by_me"] = bool(likes.liked_issue_ids(db.session, current_user.id, [issue_id]))
    return revalidated(geojson(issue_feature(row, **extra)))


def _one_issue(issue: Issue) -> dict[str, Any]:
    """What the answer about one issue adds to the properties a list gives."""
    return {
        "description": issue.description,
        "reporter": None if issue.hide_name or issue.reporter is None else issue.reporter.display_name,
        "photos": [external_url("issues.photo", filename=p.filename) for p in issue.public_photos],
        "duplicate_of": issue.duplicate_of_id,
        "funding": funding_json(backings.issue_funding(db.session, issue, utcnow())),
    }


@bp.post("/issues/<int:issue_id>/like")
@operation(
    operation_id="likeIssue",
    summary="Like an issue (idempotent; 409 for a duplicate closed into another: like that one)",
    replies={200: Reply("The like count", LikeState)},
    errors=(401, 403, 404, 409, 429),
    secured=True,
)
@limit("RATE_LIMIT_LIKE", per_user=True)
def like_issue(issue_id: int) -> Response:
    state = likes.like(db.session, require_actor(), issue_id)
    db.session.commit()
    return jsonify({"likes": state.likes, "liked": state.liked})


@bp.delete("/issues/<int:issue_id>/like")
@operation(
    operation_id="unlikeIssue",
    summary="Withdraw a like (idempotent)",
    replies={200: Reply("The like count", LikeState)},
    errors=(401, 403, 404, 429),
    secured=True,
)
@limit("RATE_LIMIT_LIKE", per_user=True)
def unlike_issue(issue_id: int) -> Response:
    state = likes.unlike(db.session, require_actor(), issue_id)
    db.session.commit()
    return jsonify({"likes": state.likes, "liked": state.liked})
