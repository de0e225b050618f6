"""API: registration and bearer tokens."""

from __future__ import annotations

from flask import Response, current_app, jsonify

from app.api import bp
from app.api.contract import JSON, Reply, operation
from app.api.models.accounts import NewUser, Token, TokenRequest, UserAccount
from app.api.params import json_body
from app.extensions import db
from app.ratelimits import limit, limit_login_attempts
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
@limit_login_attempts
def create_token() -> tuple[Response, int]:
    data = json_body()
    user = accounts.authenticate(db.session, data.get("email"), data.get("password"))
    issued = accounts.issue_token(db.session, user, current_app.config["API_TOKEN_TTL"])
    db.session.commit()
    return jsonify(
        {"token": issued.token, "expires_at": issued.expires_at.isoformat(timespec="seconds") + "Z"}
    ), 201
