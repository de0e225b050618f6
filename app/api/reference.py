"""API: categories, statuses and areas."""

from __future__ import annotations

from flask import Response, jsonify

from app.api import bp
from app.extensions import db
from app.services.issues import places
from app.shapes import to_geometry
from geo.geojson import feature_collection, geometry_feature


@bp.get("/categories")
def list_categories() -> Response:
    return jsonify([{"code": c.code, "name": c.name} for c in places.categories(db.session)])


@bp.get("/statuses")
def list_statuses() -> Response:
    return jsonify(
        [
            {"code": s.code, "name": s.name, "type": s.type, "position": s.position}
            for s in places.statuses(db.session)
        ]
    )


@bp.get("/areas")
def list_areas() -> Response:
    features = [
        geometry_feature(a.id, to_geometry(a.geom), {"id": a.id, "name": a.name, "slug": a.slug})
        for a in places.areas(db.session)
    ]
    response = jsonify(feature_collection(features))
    response.mimetype = "application/geo+json"
    return response


@bp.get("/health")
def health() -> Response:
    """A trivial route: the baseline that benchmarks compare real endpoints against."""
    return jsonify({"status": "ok"})
