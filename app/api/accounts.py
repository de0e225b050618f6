"""API: registration and bearer tokens (issued, listed, revoked)."""

from __future__ import annotations

from flask import Response, current_app, jsonify

from app.api import bp
from app.api.auth import require_user
from app.api.contract import JSON, Reply, operation
from app.api.models.accounts import (
    AlreadyConfirmed,
    NewUser,
    RegistrationAccepted,
    Token,
    TokenList,
    TokenRequest,
)
from app.api.params import json_body
from app.extensions import db
from app.models.timestamps import rfc3339
from app.ratelimits import limit, limit_login_attempts
from app.services.accounts import confirmation, tokens
from app.services.accounts import users as accounts
from app.services.accounts.addresses import normalise_email
from app.services.kernel.errors import ValidationError


@bp.post("/users")
@operation(
    operation_id="createUser",
    summary="Register a resident account; a link to confirm the address is mailed to it",
    body={JSON: NewUser},
    replies={
        202: Reply("Accepted: check the mailbox (the same answer for a known address)", RegistrationAccepted)
    },
    errors=(400, 403, 422, 429),
)
@limit("RATE_LIMIT_REGISTER")
def create_user() -> tuple[Response, int]:
    data = json_body()
    confirmation.register(db.session, data.get("email"), data.get("display_name"), data.get("password"))
    db.session.commit()
    email = normalise_email(data.get("email"))
    return jsonify(
        {
            "email": email,
            "status": "confirmation_sent",
            "message": f"We sent a message to {email}: open its link to confirm the address.",
        }
    ), 202


@bp.post("/account/confirmation")
@operation(
    operation_id="resendConfirmation",
    summary="Mail a new link that confirms your address",
    replies={
        202: Reply("Sent", RegistrationAccepted),
        200: Reply("Nothing sent: the address is confirmed already", AlreadyConfirmed),
    },
    errors=(401, 403, 429),
    secured=True,
)
@limit("RATE_LIMIT_CONFIRM_RESEND", per_user=True)
def resend_confirmation() -> tuple[Response, int]:
    user = require_user()
    if user.email_confirmed:  # it said "confirmation_sent" with 202, though nothing was sent
        message = f"{user.email} is confirmed already: nothing was sent."
        return jsonify({"email": user.email, "status": "already_confirmed", "message": message}), 200
    confirmation.send_confirmation(db.session, user)
    db.session.commit()
    message = f"We sent a new link to {user.email}."
    return jsonify({"email": user.email, "status": "confirmation_sent", "message": message}), 202


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
    for field in ("email", "password"):  # found from outside: a missing field read as a wrong password
        if not isinstance(data.get(field), str) or not data[field]:
            raise ValidationError(f"{field.capitalize()} is required, as text.", field)
    user = accounts.authenticate(db.session, data.get("email"), data.get("password"))
    issued = accounts.issue_token(db.session, user, current_app.config["API_TOKEN_TTL"])
    db.session.commit()
    response = jsonify({"token": issued.token, "expires_at": rfc3339(issued.expires_at)})
    response.headers["Cache-Control"] = "no-store"  # a secret: never kept by any cache (RFC 6749, 5.1)
    return response, 201


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
                {"id": t.id, "created_at": rfc3339(t.created_at), "expires_at": rfc3339(t.expires_at)}
                for t in found
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
