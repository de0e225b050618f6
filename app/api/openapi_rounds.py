"""OpenAPI paths of pooled funding rounds: cost estimates, rounds, ballots, tallies, results, export."""

from __future__ import annotations

from typing import Any

from app.api.openapi_schemas import errors, json_content

AUTH: list[dict[str, list[str]]] = [{"bearer": []}, {"cookie": []}]


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

ROUND_ID = path_id("round_id")
OBJECT = {"type": "object"}

ROUND_TERMS: dict[str, Any] = {
    "name": {"type": "string", "maxLength": 120},
    "ballot": {"enum": ["approval", "k-approval", "knapsack", "cumulative"]},
    "k": {"type": "integer", "minimum": 1, "description": "k-approval: most approvals per ballot"},
    "points": {"type": "integer", "minimum": 1, "description": "cumulative: points per member (default 10)"},
    "rule": {"enum": ["greedy", "equalshares/add1", "phragmen"]},
    "top_n": {"type": "integer", "minimum": 1, "maximum": 500},
    "match_ratio": {
        "type": "string",
        "pattern": "^[0-9]+:[0-9]+$",
        "description": "officials only, e.g. 1:1",
    },
    "match_cap_cents": {"type": "integer", "minimum": 1},
    "leftover": {"enum": ["rollover", "refund"]},
}
ROUND = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "group_id": {"type": "integer"},
        "pool_id": {"type": "integer"},
        **ROUND_TERMS,
        "voting": {"type": "boolean"},
        "phase": {"enum": ["draft", "pledging", "voting", "tallied", "closed"]},
        "phases": {"type": "array", "items": OBJECT},
        "tally_running": {"type": "boolean"},
    },
}
OUTCOME = {
    "type": "object",
    "properties": {
        "issue_id": {"type": "integer"},
        "amount_cents": {"type": "integer"},
        "explanation": {"type": "string"},
    },
}
RESULTS = {
    "type": "object",
    "properties": {
        "funded": {"type": "array", "items": OUTCOME},
        "unfunded": {"type": "array", "items": OUTCOME},
        "spent_cents": {"type": "integer"},
        "leftover_cents": {"type": "integer"},
        "budget_cents": {"type": "integer"},
        "match_cents": {"type": "integer"},
        "turnout": OBJECT,
    },
}
JOB = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "status": {"enum": ["queued", "running", "done", "failed"]},
        "progress": {"type": "integer", "minimum": 0, "maximum": 100},
        "stage": {"type": "string"},
        "url": {"type": "string"},
    },
}
BALLOT_BODY = {
    "oneOf": [
        {
            "type": "object",
            "required": ["issue_ids"],
            "properties": {"issue_ids": {"type": "array", "items": {"type": "integer"}}},
        },
        {
            "type": "object",
            "required": ["points"],
            "properties": {"points": {"type": "object", "additionalProperties": {"type": "integer"}}},
        },
    ]
}


def operation(
    summary: str, op_id: str, ok: str, schema: dict[str, Any] | None, codes: tuple[str, ...], **extra: Any
) -> dict[str, Any]:
    response: dict[str, Any] = {"description": ok}
    if schema is not None:
        response.update(json_content(schema))
    return {
        "summary": summary,
        "operationId": op_id,
        "responses": {ok.split(" ")[0]: response, **errors(*codes)},
        **extra,
    }


def body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, **json_content(schema)}


ROUND_PATHS: dict[str, Any] = {
    "/rounds": {
        "post": operation(
            "Create a round for a group's pool (group admins, officials)",
            "createRound",
            "201 Created",
            ROUND,
            ("400", "401", "403", "409", "422"),
            security=AUTH,
            requestBody=body(
                {
                    "type": "object",
                    "required": ["group_id", "name", "ballot", "rule", "top_n", "leftover"],
                    "properties": {
                        "group_id": {"type": "integer"},
                        **ROUND_TERMS,
                        "voting": {"type": "boolean"},
                    },
                }
            ),
        ),
        "get": operation(
            "List rounds, newest first",
            "listRounds",
            "200 The rounds",
            {"type": "object", "properties": {"rounds": {"type": "array", "items": ROUND}}},
            ("422",),
            parameters=[{"name": "group_id", "in": "query", "schema": {"type": "integer"}}],
        ),
    },
    "/rounds/{round_id}": {
        "get": operation(
            "A round with its phase dates",
            "getRound",
            "200 The round",
            ROUND,
            ("404",),
            parameters=[ROUND_ID],
        ),
        "patch": operation(
            "Change a round's terms (ballot and rule only before voting opens; the match only by officials)",
            "updateRound",
            "200 The round",
            ROUND,
            ("400", "401", "403", "404", "409", "422"),
            security=AUTH,
            parameters=[ROUND_ID],
            requestBody=body({"type": "object", "properties": ROUND_TERMS}),
        ),
    },
    "/rounds/{round_id}/phase": {
        "post": operation(
            "Move the round to its next phase (forward only)",
            "moveRoundPhase",
            "200 The round",
            ROUND,
            ("400", "401", "403", "404", "409", "422"),
            security=AUTH,
            parameters=[ROUND_ID],
            requestBody=body(
                {"type": "object", "required": ["phase"], "properties": {"phase": {"type": "string"}}}
            ),
        )
    },
    "/rounds/{round_id}/candidates": {
        "get": operation(
            "The candidates: the snapshot once voting opened, else the live ranking",
            "roundCandidates",
            "200 The candidates",
            OBJECT,
            ("404",),
            parameters=[ROUND_ID],
        )
    },
    "/rounds/{round_id}/ballot": {
        "get": operation(
            "Your ballot",
            "getBallot",
            "200 The ballot",
            OBJECT,
            ("401", "404"),
            security=AUTH,
            parameters=[ROUND_ID],
        ),
        "put": operation(
            "Cast or replace your ballot (members, while voting is open)",
            "putBallot",
            "200 The ballot stored",
            OBJECT,
            ("400", "401", "403", "404", "409", "422"),
            security=AUTH,
            parameters=[ROUND_ID],
            requestBody=body(BALLOT_BODY),
        ),
    },
    "/rounds/{round_id}/tally": {
        "post": {
            **operation(
                "Tally the round: 200 with the results, or 202 with a job for large rounds",
                "tallyRound",
                "200 The results",
                RESULTS,
                ("401", "403", "404", "409"),
                security=AUTH,
                parameters=[ROUND_ID],
            ),
        }
    },
    "/tally-jobs/{job_id}": {
        "get": operation(
            "A background tally's progress",
            "getTallyJob",
            "200 The job",
            JOB,
            ("404",),
            parameters=[path_id("job_id")],
        )
    },
    "/rounds/{round_id}/results": {
        "get": operation(
            "A tallied round's results",
            "roundResults",
            "200 The results",
            RESULTS,
            ("404", "409"),
            parameters=[ROUND_ID],
        )
    },
    "/rounds/{round_id}/export.pb": {
        "get": {
            "summary": "The round as a Pabulib .pb file",
            "operationId": "exportRoundPb",
            "parameters": [ROUND_ID],
            "responses": {
                "200": {"description": "The .pb file", **json_content({"type": "string"}, "text/plain")},
                **errors("404"),
            },
        }
    },
}
ROUND_PATHS["/rounds/{round_id}/tally"]["post"]["responses"]["202"] = {
    "description": "Accepted: a background job tallies the round",
    **json_content({"type": "object", "properties": {"job": JOB}}),
}

ROUNDS_PATHS: dict[str, Any] = {**ESTIMATE_PATHS, **ROUND_PATHS}
