"""API: password reset by mailed link, changing the password or the address, and the profile settings."""

from __future__ import annotations

from flask import Response, jsonify

from app.api import bp
from app.api.auth import require_user
from app.api.contract import JSON, Reply, operation
from app.api.models.accounts import (
    EmailChange,
    EmailChangeAccepted,
    PasswordChange,
    PasswordResetAccepted,
    PasswordResetCompletion,
    PasswordResetRequest,
    ProfileChange,
)
from app.api.models.mydata import Profile
from app.api.mydata import profile_of
from app.api.params import json_body
from app.extensions import db
from app.ratelimits import limit, limit_reset_requests
from app.services.accounts import email_change, password_reset, passwords, profile
from app.services.kernel.errors import ValidationError


@bp.post("/account/password-reset")
@operation(
    operation_id="requestPasswordReset",
    summary="Mail a link to choose a new password (it works once, for an hour)",
    description="Answers the same, status and body, whether or not an account uses the address: an "
    "address without an account gets a note saying so. Counted per address named and per client.",
    body={JSON: PasswordResetRequest},
    replies={202: Reply("Accepted: check the mailbox", PasswordResetAccepted)},
    errors=(400, 403, 422, 429),
)
@limit_reset_requests
def request_password_reset() -> tuple[Response, int]:
    email = password_reset.request_reset(db.session, json_body().get("email"))
    db.session.commit()
    return jsonify(
        {
            "email": email,
            "status": "reset_link_sent",
            "message": f"We sent a message to {email}. If an account uses it, it holds a link to choose "
            "a new password.",
        }
    ), 202


@bp.post("/account/password-reset/completion")
@operation(
    operation_id="completePasswordReset",
    summary="Set a new password with the token of a mailed reset link",
    description="Every login and API token of the account ends; log in again (POST /tokens). The link "
    "then stops working. 410 `link_expired` or `link_used`, 400 `link_invalid` for a tampered token; "
    "nothing changes on an error.",
    body={JSON: PasswordResetCompletion},
    replies={204: Reply("The password is changed")},
    errors=(400, 410, 422, 429),
)
@limit("RATE_LIMIT_PASSWORD_RESET_ADDRESS")
def complete_password_reset() -> tuple[str, int]:
    data = json_body()
    token = data.get("token")
    if not isinstance(token, str) or not token:
        raise ValidationError("The token from the mailed link is required.", "token")
    password_reset.reset_password(db.session, token, data.get("password"))
    db.session.commit()
    return "", 204


@bp.put("/account/password")
@operation(
    operation_id="changePassword",
    summary="Change your password (the current one is asked); every login in a browser ends",
    description="API tokens keep working unless revoke_tokens is true (which also stops the token "
    "this request uses).",
    body={JSON: PasswordChange},
    replies={204: Reply("Changed; with revoke_tokens, every API token of the account is stopped")},
    errors=(400, 401, 422, 429),
    secured=True,
)
@limit("RATE_LIMIT_LOGIN", per_user=True)
def change_password() -> tuple[str, int]:
    user = require_user()  # who asks comes first: a stranger gets 401 whatever the body
    data = json_body()
    passwords.change_password(
        db.session,
        user,
        data.get("current_password"),
        data.get("new_password"),
        revoke_tokens=data.get("revoke_tokens", False),
    )
    db.session.commit()
    return "", 204


@bp.post("/account/email")
@operation(
    operation_id="changeEmail",
    summary="Change your address: a link is mailed to the new one, the old one is told",
    description="The address changes only when the link is opened. The same answer whether or not "
    "another account uses the new address (its owner is told instead).",
    body={JSON: EmailChange},
    replies={202: Reply("Accepted: the link is on its way", EmailChangeAccepted)},
    errors=(400, 401, 403, 422, 429),
    secured=True,
)
@limit("RATE_LIMIT_EMAIL_CHANGE", per_user=True)
def change_email() -> tuple[Response, int]:
    user = require_user()
    data = json_body()
    email = email_change.request_change(db.session, user, data.get("new_email"), data.get("password"))
    db.session.commit()
    return jsonify(
        {
            "email": email,
            "status": "confirmation_sent",
            "message": f"We sent a link to {email}: your address changes when you open it.",
        }
    ), 202


@bp.patch("/account")
@operation(
    operation_id="updateAccount",
    summary="Change your display name, whether new reports hide it, or whether round news comes by email",
    description="A blocked account cannot change its display name (403).",
    body={JSON: ProfileChange},
    replies={200: Reply("The profile as it is now", Profile)},
    errors=(400, 401, 403, 422),
    secured=True,
)
def update_account() -> Response:
    user = require_user()
    data = json_body(known=ProfileChange.model_fields)
    given = {name: data[name] for name in ("display_name", "hide_name_default", "round_news") if name in data}
    if not given:
        raise ValidationError("Give display_name, hide_name_default or round_news to change.", "display_name")
    profile.update_profile(db.session, user, **given)
    db.session.commit()
    return jsonify(profile_of(user))
