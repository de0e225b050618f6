"""API shapes of accounts: registration, bearer tokens, password reset and the account settings."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from app.api.models.common import RequestBody, ResponseBody, absent


class NewUser(RequestBody):
    email: str = Field(json_schema_extra={"format": "email"})
    display_name: str = Field(max_length=60)
    password: str = Field(min_length=8, max_length=200)


class UserAccount(ResponseBody):
    id: int
    email: str
    display_name: str
    role: Literal["resident", "official", "admin"]
    email_confirmed: bool = Field(
        description="false until the resident opens the link mailed to the address: likes, follows, "
        "pledges, ballots and memberships answer 403 `email_not_confirmed` until then"
    )


class RegistrationAccepted(ResponseBody):
    email: str
    status: Literal["confirmation_sent"]
    message: str = Field(description="the same answer whether or not the address already had an account")


class AlreadyConfirmed(ResponseBody):
    email: str
    status: Literal["already_confirmed"]
    message: str


class TokenRequest(RequestBody):
    email: str
    password: str


class Token(ResponseBody):
    token: str = Field(description="send as `Authorization: Bearer <token>`")
    expires_at: datetime


class TokenInfo(ResponseBody):
    id: int
    created_at: datetime
    expires_at: datetime


class TokenList(ResponseBody):
    tokens: list[TokenInfo] = Field(description="the account's tokens that still work, newest first")


class PasswordResetRequest(RequestBody):
    email: str = Field(json_schema_extra={"format": "email"})


class PasswordResetAccepted(ResponseBody):
    email: str
    status: Literal["reset_link_sent"]
    message: str = Field(description="the same answer whether or not an account uses the address")


class PasswordResetCompletion(RequestBody):
    token: str = Field(description="the token at the end of the link mailed by POST /account/password-reset")
    password: str = Field(min_length=8, max_length=200, description="the new password")


class PasswordChange(RequestBody):
    current_password: str
    new_password: str = Field(min_length=8, max_length=200)
    revoke_tokens: bool = Field(
        default=False, description="also stop every API token of the account (someone may know the password)"
    )


class EmailChange(RequestBody):
    new_email: str = Field(json_schema_extra={"format": "email"})
    password: str = Field(description="the account's current password")


class EmailChangeAccepted(ResponseBody):
    email: str = Field(description="the new address, which gets the link")
    status: Literal["confirmation_sent"]
    message: str = Field(description="the same answer whether or not another account uses the address")


class ProfileChange(RequestBody):
    display_name: str = absent("shown on your reports and updates", max_length=60)
    hide_name_default: bool = absent("new reports hide your name unless they say otherwise")
    round_news: bool = absent("email about the funding rounds you may vote in (opening, reminder, result)")
