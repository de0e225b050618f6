"""API: registration and bearer tokens (issued, listed, revoked)."""

from __future__ import annotations

from datetime import datetime

from flask import Response, current_app, jsonify

from app.api import bp
from app.api.auth import require_user
from app.api.contract import JSON, Reply, operation
from app.api.models.accounts import NewUser, Token, TokenList, TokenRequest, UserAccount
from app.api.params import json_body
from app.extensions import db
from app.ratelimits import limit
from app.services.accounts import tokens
from app.services.accounts import users as accounts


@bp.post("/users")
@operation(
    operation_id="createUser",
    summary="Register a resident account",
    body={JSON: NewUser},
    replies={201: Reply("Created", UserAccount)},
    errors=(400, 403, 409, 422, 429),
)
@limit("RATE_LIMIT_REGISTER")
def create_user() -> tuple[Response, int]:
    data = json_body()
    user = accounts.register(db.session, data.get("email"), data.get("display_name"), data.get("password"))
    db.session.commit()
    return jsonify(
        {"id": user.id, "email": user.email, "display_name": user.display_name, "role": user.role}
    ), 201


@bp.post("/tokens")
@operation(
    operation_id="createToken",
    summary="Exchange email and password for a bearer token",
    body={JSON: TokenRequest},
    replies={201: Reply("A token to send as `Authorization: Bearer <token>`", Token)},
    errors=(400, 401, 422, 429),
)
@limit("RATE_LIMIT_LOGIN")
def create_token() -> tuple[Response, int]:
    data = json_body()
    user = accounts.authenticate(db.session, data.get("email"), data.get("password"))
    issued = accounts.issue_token(db.session, user, current_app.config["API_TOKEN_TTL"])
    db.session.commit()
    return jsonify({"token": issued.token, "expires_at": iso(issued.expires_at)}), 201


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds") + "Z"


@bp.get("/account/tokens")
@operation(
    operation_id="listTokens",
    summary="Your API tokens that still work (the token itself is never shown again)",
    replies={200: Reply("The tokens", TokenList)},
    errors=(401, 403),
    secured=True,
)
def list_tokens() -> Response:
    found = tokens.live_tokens(db.session, require_user())
    return jsonify(
        {
            "tokens": [
                {"id": t.id, "created_at": iso(t.created_at), "expires_at": iso(t.expires_at)} for t in found
            ]
        }
    )


@bp.delete("/account/tokens/<int:token_id>")
@operation(
    operation_id="revokeToken",
    summary="Revoke one of your API tokens (it stops working at once)",
    replies={204: Reply("Revoked")},
    errors=(401, 403, 404),
    secured=True,
)
def revoke_token(token_id: int) -> tuple[str, int]:
    tokens.revoke_token(db.session, require_user(), token_id)
    db.session.commit()
    return "", 204
