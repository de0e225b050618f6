"""OpenAPI paths of the reporting foundation: accounts, tokens, reference data, issues, likes."""

from __future__ import annotations

from typing import Any

from app.api.openapi_schemas import errors, json_content, ref

GEOJSON = "application/geo+json"
AUTH: list[dict[str, list[str]]] = [{"bearer": []}, {"cookie": []}]


def query(name: str, description: str, schema: dict[str, Any], required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "description": description, "schema": schema}


ISSUE_ID = {"name": "issue_id", "in": "path", "required": True, "schema": {"type": "integer"}}

FOUNDATION_PATHS: dict[str, Any] = {
    "/users": {
        "post": {
            "summary": "Register a resident account",
            "operationId": "createUser",
            "requestBody": {
                "required": True,
                **json_content(
                    {
                        "type": "object",
                        "required": ["email", "display_name", "password"],
                        "properties": {
                            "email": {"type": "string", "format": "email"},
                            "display_name": {"type": "string", "maxLength": 60},
                            "password": {"type": "string", "minLength": 8, "maxLength": 200},
                        },
                    }
                ),
            },
            "responses": {"201": {"description": "Created"}, **errors("400", "409", "422", "429")},
        }
    },
    "/tokens": {
        "post": {
            "summary": "Exchange email and password for a bearer token",
            "operationId": "createToken",
            "requestBody": {
                "required": True,
                **json_content(
                    {
                        "type": "object",
                        "required": ["email", "password"],
                        "properties": {"email": {"type": "string"}, "password": {"type": "string"}},
                    }
                ),
            },
            "responses": {
                "201": {
                    "description": "A token to send as `Authorization: Bearer <token>`",
                    **json_content(
                        {
                            "type": "object",
                            "required": ["token", "expires_at"],
                            "properties": {
                                "token": {"type": "string"},
                                "expires_at": {"type": "string", "format": "date-time"},
                            },
                        }
                    ),
                },
                **errors("400", "401", "429"),
            },
        }
    },
    "/categories": {
        "get": {
            "summary": "Problem categories",
            "operationId": "listCategories",
            "responses": {
                "200": {
                    "description": "Categories in display order",
                    **json_content(
                        {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {"code": {"type": "string"}, "name": {"type": "string"}},
                            },
                        }
                    ),
                }
            },
        }
    },
    "/statuses": {
        "get": {
            "summary": "Typed statuses (open, closed or fixed)",
            "operationId": "listStatuses",
            "responses": {"200": {"description": "Statuses in workflow order"}},
        }
    },
    "/areas": {
        "get": {
            "summary": "Neighbourhoods as a GeoJSON FeatureCollection of MultiPolygons",
            "operationId": "listAreas",
            "responses": {
                "200": {"description": "Areas with id and name", **json_content({"type": "object"}, GEOJSON)}
            },
        }
    },
    "/health": {
        "get": {
            "summary": "Liveness check",
            "operationId": "health",
            "responses": {"200": {"description": "The app answers"}},
        }
    },
    "/openapi.json": {
        "get": {
            "summary": "This document",
            "operationId": "openapi",
            "responses": {"200": {"description": "OpenAPI 3.1"}},
        }
    },
    "/issues": {
        "get": {
            "summary": "Issues as GeoJSON, filtered and paginated",
            "operationId": "listIssues",
            "parameters": [
                query("bbox", "minlon,minlat,maxlon,maxlat (uses the spatial index)", {"type": "string"}),
                query("category", "Category code", {"type": "string"}),
                query(
                    "status",
                    "Status codes or types (open, closed, fixed), comma-separated",
                    {"type": "string"},
                ),
                query("area", "Area id", {"type": "integer"}),
                query(
                    "sort",
                    "rank: most likes first, ties to the older report; new: newest first",
                    {"enum": ["rank", "new"], "default": "rank"},
                ),
                query("page", "Page number", {"type": "integer", "minimum": 1, "default": 1}),
                query(
                    "per_page",
                    "At most 100; with bbox at most 500 (default 500 with bbox, 20 without)",
                    {"type": "integer", "minimum": 1, "maximum": 500},
                ),
            ],
            "responses": {
                "200": {
                    "description": "A FeatureCollection",
                    **json_content(ref("IssueCollection"), GEOJSON),
                },
                **errors("422"),
            },
        },
        "post": {
            "summary": "Report a problem (JSON, or multipart/form-data with an optional `photo`)",
            "operationId": "createIssue",
            "security": AUTH,
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": ref("NewIssue")},
                    "multipart/form-data": {
                        "schema": {
                            "allOf": [
                                ref("NewIssue"),
                                {
                                    "properties": {
                                        "photo": {"type": "string", "contentMediaType": "image/jpeg"}
                                    }
                                },
                            ]
                        }
                    },
                },
            },
            "responses": {
                "201": {
                    "description": "Created; Location points at the new issue",
                    "headers": {"Location": {"schema": {"type": "string", "format": "uri"}}},
                    **json_content(ref("IssueFeature"), GEOJSON),
                },
                **errors("400", "401", "403", "413", "422", "429"),
            },
        },
    },
    "/issues/suggestions": {
        "get": {
            "summary": "Up to 5 open same-category issues within 250 m, nearest first",
            "operationId": "issueSuggestions",
            "parameters": [
                query("lat", "Latitude", {"type": "number"}, True),
                query("lon", "Longitude", {"type": "number"}, True),
                query("category", "Category code", {"type": "string"}, True),
            ],
            "responses": {
                "200": {
                    "description": "A FeatureCollection",
                    **json_content(ref("IssueCollection"), GEOJSON),
                },
                **errors("422"),
            },
        }
    },
    "/issues/{issue_id}": {
        "get": {
            "summary": "One issue (with description; liked_by_me when authenticated)",
            "operationId": "getIssue",
            "parameters": [ISSUE_ID],
            "responses": {
                "200": {"description": "The Feature", **json_content(ref("IssueFeature"), GEOJSON)},
                **errors("404"),
            },
        }
    },
    "/issues/{issue_id}/like": {
        "post": {
            "summary": "Like an issue (idempotent)",
            "operationId": "likeIssue",
            "security": AUTH,
            "parameters": [ISSUE_ID],
            "responses": {
                "200": {"description": "The like count", **json_content(ref("LikeState"))},
                **errors("401", "403", "404", "429"),
            },
        },
        "delete": {
            "summary": "Withdraw a like (idempotent)",
            "operationId": "unlikeIssue",
            "security": AUTH,
            "parameters": [ISSUE_ID],
            "responses": {
                "200": {"description": "The like count", **json_content(ref("LikeState"))},
                **errors("401", "403", "404", "429"),
            },
        },
    },
}
