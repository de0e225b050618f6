"""OpenAPI paths of pooled funding rounds: cost estimates, rounds, ballots, tallies, results, export."""

from __future__ import annotations

from typing import Any

from app.api.openapi_schemas import errors, json_content

AUTH = [{"bearer": []}, {"cookie": []}]


def path_id(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}


ESTIMATE_PATHS: dict[str, Any] = {
    "/issues/{issue_id}/estimate": {
        "put": {
            "summary": "Set an issue's cost estimate (officials); a costed open issue is a round candidate",
            "operationId": "putIssueEstimate",
            "security": AUTH,
            "parameters": [path_id("issue_id")],
            "requestBody": {
                "required": True,
                **json_content(
                    {
                        "type": "object",
                        "required": ["cost_cents"],
                        "properties": {"cost_cents": {"type": "integer", "minimum": 1}},
                    }
                ),
            },
            "responses": {
                "200": {
                    "description": "The estimate stored",
                    **json_content(
                        {
                            "type": "object",
                            "properties": {
                                "issue_id": {"type": "integer"},
                                "cost_cents": {"type": "integer"},
                            },
                        }
                    ),
                },
                **errors("400", "401", "403", "404", "422"),
            },
        }
    },
}

ROUNDS_PATHS: dict[str, Any] = {**ESTIMATE_PATHS}
