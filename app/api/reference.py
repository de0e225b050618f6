"""API: categories, statuses and areas."""

from __future__ import annotations

from flask import Response, current_app, jsonify, request

from app.api import bp
from app.api.contract import ETAG, GEOJSON, NOT_MODIFIED, Reply, operation
from app.api.models.common import Health, Readiness
from app.api.models.issues import AreaAt, AreaCollection, CategoryList, PointQuery, StatusList
from app.conditional_get import revalidated
from app.extensions import db
from app.readiness import probe_all
from app.services.issues import places, reports
from app.shapes import to_geometry
from geo.geojson import feature_collection, geometry_feature


@bp.get("/categories")
@operation(
    operation_id="listCategories",
    summary="Problem categories",
    replies={200: Reply("Categories in display order", CategoryList)},
)
def list_categories() -> Response:
    return jsonify([{"code": c.code, "name": c.name} for c in places.categories(db.session)])


@bp.get("/statuses")
@operation(
    operation_id="listStatuses",
    summary="Typed statuses (open, closed or fixed)",
    replies={200: Reply("Statuses in workflow order", StatusList)},
)
def list_statuses() -> Response:
    return jsonify(
        [
            {"code": s.code, "name": s.name, "type": s.type, "position": s.position}
            for s in places.statuses(db.session)
        ]
    )


@bp.get("/areas")
@operation(
    operation_id="listAreas",
    summary="Neighbourhoods as a GeoJSON FeatureCollection of MultiPolygons",
    replies={
        200: Reply("Areas with id, name and slug", AreaCollection, GEOJSON, headers=ETAG),
        304: NOT_MODIFIED,
    },
)
def list_areas() -> Response:
    features = [
        geometry_feature(a.id, to_geometry(a.geom), {"id": a.id, "name": a.name, "slug": a.slug})
        for a in places.areas(db.session)
    ]
    response = jsonify(feature_collection(features))
    response.mimetype = "application/geo+json"
    return revalidated(response)


@bp.get("/areas/at")
@operation(
    operation_id="areaAt",
    summary="The neighbourhood that holds a point, or null outside the city",
    description="The point is rounded as a report's is, so the answer is the area a report there gets.",
    query=PointQuery,
    replies={200: Reply("The area, or null", AreaAt)},
    errors=(422,),
)
def area_at() -> Response:
    found = reports.area_at(db.session, request.args.get("lat"), request.args.get("lon"))
    return jsonify({"area": None if found is None else {"id": found.id, "name": found.name}})


@bp.get("/health")
@operation(operation_id="health", summary="Liveness check", replies={200: Reply("The app answers", Health)})
def health() -> Response:
    """A trivial route: the baseline that benchmarks compare real endpoints against."""
    return jsonify({"status": "ok"})


@bp.get("/health/ready")
@operation(
    operation_id="readiness",
    summary="Readiness check: the database answers, its schema is migrated, the job queue answers",
    description="For load balancers and monitors: 503 names the checks that failed (`ok: false`).",
    replies={
        200: Reply("Ready to serve", Readiness),
        503: Reply("Not ready: the checks say which part failed", Readiness),
    },
)
def health_ready() -> Response:
    probes = probe_all(current_app)
    ready = all(probe.ok for probe in probes)
    response = jsonify(
        {
            "status": "ready" if ready else "not_ready",
            "checks": {probe.name: {"ok": probe.ok, "detail": probe.detail} for probe in probes},
        }
    )
    response.status_code = 200 if ready else 503
    response.headers["Cache-Control"] = "no-store"
    return response
