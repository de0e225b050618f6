"""API: finding streets, areas and landmarks by name (the search box on the map and the report page)."""

from __future__ import annotations

from flask import Response, current_app, jsonify, request

from app.api import bp
from app.api.contract import Reply, operation
from app.api.models.places import PlaceList, PlaceQuery
from app.api.params import int_param
from app.extensions import db
from app.services.gazetteer.search import search_places

LIMIT_MAX = 20


@bp.get("/places")
@operation(
    operation_id="searchPlaces",
    summary="Streets, areas and landmarks whose name or one of its words starts with `q`",
    description="Case- and accent-insensitive (`eglise` finds `Place de l'Église`). Areas come first, then "
    "streets whose name starts with the query, landmarks, then streets with a later word that does.",
    query=PlaceQuery,
    replies={200: Reply("The places found, best first", PlaceList)},
    errors=(422,),
)
def search() -> Response:
    default = min(current_app.config["PLACE_SEARCH_LIMIT"], LIMIT_MAX)
    limit = int_param("limit", default=default, maximum=LIMIT_MAX) or default
    query = request.args.get("q")
    hits = search_places(db.session, query, limit)
    return jsonify(
        {
            "query": query,
            "places": [
                {
                    "kind": hit.kind,
                    "id": hit.id,
                    "name": hit.name,
                    "area": hit.area,
                    "label": hit.label,
                    "lon": round(hit.lon, 6),
                    "lat": round(hit.lat, 6),
                    "bbox": [round(v, 6) for v in hit.bbox] if hit.bbox else None,
                }
                for hit in hits
            ],
        }
    )
