"""OpenAPI paths of the status workflow: status changes, duplicates, history, updates, "not fixed"."""

from __future__ import annotations

from typing import Any

from app.api.openapi_schemas import errors, json_content, ref

AUTH: list[dict[str, list[str]]] = [{"bearer": []}, {"cookie": []}]
GEOJSON = "application/geo+json"
ISSUE_ID = {"name": "issue_id", "in": "path", "required": True, "schema": {"type": "integer"}}
NOTE = {"type": "string", "maxLength": 2000}

EVENT: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "kind": {
            "type": "string",
            "enum": ["status", "update", "duplicate", "merged", "reopen", "moderation"],
        },
        "actor": {"type": ["string", "null"]},
        "by_staff": {"type": "boolean", "description": "Shown with the City staff badge"},
        "from_status": {"type": ["string", "null"]},
        "from_status_name": {"type": ["string", "null"]},
        "to_status": {"type": ["string", "null"]},
        "to_status_name": {"type": ["string", "null"]},
        "note": {"type": "string"},
        "related_issue_id": {"type": ["integer", "null"]},
        "created_at": {"type": "string", "format": "date-time"},
        "photos": {"type": "array", "items": {"type": "string", "format": "uri"}},
        "hidden": {"type": "boolean", "description": "Staff only"},
        "public": {"type": "boolean", "description": "Staff only"},
    },
}


def _feature(description: str) -> dict[str, Any]:
    return {"description": description, **json_content(ref("IssueFeature"), GEOJSON)}


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, **json_content(schema)}


WORKFLOW_PATHS: dict[str, Any] = {
    "/issues/{issue_id}/status": {
        "post": {
            "summary": "Change an issue's status with a public note (officials and admins)",
            "operationId": "changeIssueStatus",
            "security": AUTH,
            "parameters": [ISSUE_ID],
            "requestBody": _body(
                {
                    "type": "object",
                    "required": ["status", "note"],
                    "properties": {"status": {"type": "string"}, "note": {**NOTE, "minLength": 1}},
                }
            ),
            "responses": {
                "200": _feature("The updated Feature"),
                **errors("400", "401", "403", "404", "422"),
            },
        }
    },
    "/issues/{issue_id}/duplicate-of": {
        "post": {
            "summary": "Close an issue as a duplicate of another; likes and followers move (officials)",
            "operationId": "markDuplicate",
            "security": AUTH,
            "parameters": [ISSUE_ID],
            "requestBody": _body(
                {
                    "type": "object",
                    "required": ["original_id"],
                    "properties": {"original_id": {"type": "integer"}, "note": NOTE},
                }
            ),
            "responses": {
                "200": _feature("The original's Feature"),
                **errors("400", "401", "403", "404", "422"),
            },
        }
    },
    "/issues/{issue_id}/history": {
        "get": {
            "summary": "The issue's timeline, oldest first (staff also see staff-only and hidden entries)",
            "operationId": "getIssueHistory",
            "parameters": [ISSUE_ID],
            "responses": {
                "200": {
                    "description": "The timeline",
                    **json_content(
                        {
                            "type": "object",
                            "properties": {
                                "issue_id": {"type": "integer"},
                                "status": {"type": "string"},
                                "duplicate_of": {"type": ["integer", "null"]},
                                "events": {"type": "array", "items": EVENT},
                            },
                        }
                    ),
                },
                **errors("404"),
            },
        }
    },
    "/issues/{issue_id}/updates": {
        "post": {
            "summary": "Post a public update (text, optional photo as multipart)",
            "operationId": "postIssueUpdate",
            "security": AUTH,
            "parameters": [ISSUE_ID],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["text"],
                            "properties": {"text": {**NOTE, "minLength": 1}},
                        }
                    },
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "required": ["text"],
                            "properties": {
                                "text": {**NOTE, "minLength": 1},
                                "photo": {"type": "string", "contentMediaType": "application/octet-stream"},
                            },
                        }
                    },
                },
            },
            "responses": {
                "201": {"description": "The new timeline entry", **json_content(EVENT)},
                **errors("400", "401", "403", "404", "413", "422", "429"),
            },
        }
    },
    "/issues/{issue_id}/not-fixed": {
        "post": {
            "summary": "Say a fixed issue is not fixed (within 30 days of the fix): it reopens",
            "operationId": "notFixed",
            "security": AUTH,
            "parameters": [ISSUE_ID],
            "requestBody": {
                "required": False,
                **json_content({"type": "object", "properties": {"note": NOTE}}),
            },
            "responses": {
                "200": _feature("The reopened Feature"),
                **errors("400", "401", "403", "404", "422", "429"),
            },
        }
    },
}
