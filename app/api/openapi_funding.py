"""OpenAPI paths of neighbourhood groups, pools, pledges (idempotent) and their confirmation."""

from __future__ import annotations

from typing import Any

from app.api.openapi_schemas import errors, json_content

AUTH: list[dict[str, list[str]]] = [{"bearer": []}, {"cookie": []}]
INT = {"type": "integer"}


def path_id(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": INT}


GROUP: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": INT,
        "name": {"type": "string"},
        "description": {"type": "string"},
        "area": {"type": "object", "properties": {"id": INT, "name": {"type": "string"}}},
        "pool_id": INT,
        "members": INT,
        "url": {"type": "string", "format": "uri"},
    },
}
MEMBERSHIP = {"type": "object", "properties": {"member": {"type": "boolean"}, **GROUP["properties"]}}
POOL = {
    "type": "object",
    "description": "Figures derived from the ledger (integer cents); pending: pledges not confirmed yet.",
    "properties": {
        "id": INT,
        "group_id": INT,
        "open": {"type": "boolean"},
        "currency": {"type": "string", "example": "EUR"},
        "min_pledge_cents": INT,
        "max_pledge_cents": INT,
        **{
            name: INT
            for name in (
                "confirmed_cents",
                "pending_cents",
                "matched_cents",
                "allocated_cents",
                "refunded_cents",
                "rolled_over_cents",
                "balance_cents",
            )
        },
        "transparency_url": {"type": "string", "format": "uri"},
    },
}
PLEDGE = {
    "type": "object",
    "properties": {
        "id": INT,
        "pool_id": INT,
        "amount_cents": INT,
        "status": {"enum": ["pending", "confirmed"]},
        "show_name": {"type": "boolean"},
        "provider": {"enum": ["treasurer-confirmed", "test"]},
        "created_at": {"type": "string", "format": "date-time"},
        "confirmed_at": {"type": ["string", "null"], "format": "date-time"},
    },
}

FUNDING_PATHS: dict[str, Any] = {
    "/groups": {
        "get": {
            "summary": "Neighbourhood groups, each with its area, pool id and member count",
            "operationId": "listGroups",
            "responses": {
                "200": {
                    "description": "Every group",
                    **json_content(
                        {"type": "object", "properties": {"groups": {"type": "array", "items": GROUP}}}
                    ),
                }
            },
        }
    },
    "/groups/{group_id}": {
        "get": {
            "summary": "One group",
            "operationId": "getGroup",
            "parameters": [path_id("group_id")],
            "responses": {"200": {"description": "The group", **json_content(GROUP)}, **errors("404")},
        }
    },
    "/groups/{group_id}/members": {
        "post": {
            "summary": "Join the group (idempotent: 201 when joining, 200 when already a member)",
            "operationId": "joinGroup",
            "security": AUTH,
            "parameters": [path_id("group_id")],
            "responses": {
                "201": {"description": "Joined", **json_content(MEMBERSHIP)},
                "200": {"description": "Already a member", **json_content(MEMBERSHIP)},
                **errors("401", "403", "404"),
            },
        },
        "delete": {
            "summary": "Leave the group (idempotent); confirmed pledges stay in the pool",
            "operationId": "leaveGroup",
            "security": AUTH,
            "parameters": [path_id("group_id")],
            "responses": {
                "200": {"description": "Not a member now", **json_content(MEMBERSHIP)},
                **errors("401", "404"),
            },
        },
    },
    "/pools/{pool_id}": {
        "get": {
            "summary": "A pool's money, derived from its ledger",
            "operationId": "getPool",
            "parameters": [path_id("pool_id")],
            "responses": {"200": {"description": "The pool", **json_content(POOL)}, **errors("404")},
        }
    },
    "/pools/{pool_id}/pledges": {
        "post": {
            "summary": "Pledge to a pool (members); the same Idempotency-Key is one pledge",
            "description": (
                "201 with the new pledge. A retry with the same Idempotency-Key (even concurrent) returns "
                "the same pledge with 200 and `Idempotent-Replayed: true`; the same key with a different "
                "pool or amount is a 409. With the treasurer-confirmed provider the pledge is pending "
                "until a group admin confirms it."
            ),
            "operationId": "createPledge",
            "security": AUTH,
            "parameters": [
                path_id("pool_id"),
                {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "required": True,
                    "schema": {"type": "string", "minLength": 1, "maxLength": 120},
                },
            ],
            "requestBody": {
                "required": True,
                **json_content(
                    {
                        "type": "object",
                        "required": ["amount_cents"],
                        "properties": {
                            "amount_cents": {
                                "type": "integer",
                                "minimum": 1,
                                "description": "between the pool's min and max pledge",
                            },
                            "show_name": {
                                "type": "boolean",
                                "default": False,
                                "description": "show my display name on the public pool page",
                            },
                        },
                    }
                ),
            },
            "responses": {
                "201": {"description": "Pledged", **json_content(PLEDGE)},
                "200": {
                    "description": "Replayed: the pledge made earlier with this key",
                    **json_content(PLEDGE),
                },
                **errors("400", "401", "403", "404", "409", "422"),
            },
        }
    },
    "/pledges/{pledge_id}/confirm": {
        "post": {
            "summary": "Confirm the pledge's money arrived (group admins, officials); idempotent",
            "operationId": "confirmPledge",
            "security": AUTH,
            "parameters": [path_id("pledge_id")],
            "responses": {
                "200": {"description": "Confirmed", **json_content(PLEDGE)},
                **errors("401", "403", "404"),
            },
        }
    },
}
