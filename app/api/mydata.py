"""API: my account (what My Commonfix shows), the download of my data, and deleting my account."""

from __future__ import annotations

from flask import Response, jsonify
from flask_login import logout_user
from werkzeug.wrappers import Response as Download

from app.account.routes import zip_response
from app.api import bp
from app.api.auth import require_user
from app.api.contract import JSON, Reply, operation
from app.api.models.mydata import AccountOverview, DeleteAccount
from app.api.params import json_body
from app.extensions import db
from app.models import User
from app.models.timestamps import rfc3339_or_none
from app.photo_stores import photo_store
from app.ratelimits import limit
from app.services.mydata import deletion, overview
from app.services.mydata.export import README, export_zip


def _issue(line: overview.IssueLine) -> dict[str, object]:
    return {
        "id": line.id,
        "title": line.title,
        "status": line.status_code,
        "status_name": line.status,
        "status_type": line.status_type,
        "hidden": line.is_hidden,
        "held": line.held,  # found from outside: a held report read "hidden": false, as if it were public
        "at": rfc3339_or_none(line.at),
    }


def profile_of(user: User) -> dict[str, object]:
    return {
        "id": user.id,
        "email": user.email,
        "display_name": user.display_name,
        "role": user.role,
        "created_at": rfc3339_or_none(user.created_at),
        "email_confirmed": user.email_confirmed,
        "hide_name_default": user.hide_name_default,
        "round_news": user.round_news,
    }


@bp.get("/account")
@operation(
    operation_id="getAccount",
    summary="My account: profile, reports, likes, follows, pledges and refunds, backings, ballots, groups "
    "and API tokens",
    replies={200: Reply("What My Commonfix shows, newest first", AccountOverview)},
    errors=(401,),
    secured=True,
)
def get_account() -> Response:
    user = require_user()
    mine = overview.overview(db.session, user)
    return jsonify(
        {
            "profile": profile_of(user),
            "reports": [_issue(i) for i in mine.reports],
            "likes": [_issue(i) for i in mine.likes],
            "followed_issues": [_issue(i) for i in mine.followed_issues],
            "followed_areas": [
                {"id": a.id, "name": a.name, "at": rfc3339_or_none(a.at)} for a in mine.followed_areas
            ],
            "pledges": [
                {
                    "id": p.id,
                    "group_id": p.group_id,
                    "group": p.group,
                    "amount_cents": p.amount_cents,
                    "currency": p.currency,
                    "status": p.status,
                    "created_at": rfc3339_or_none(p.created_at),
                    "confirmed_at": rfc3339_or_none(p.confirmed_at),
                }
                for p in mine.pledges
            ],
            "refunds": [
                {
                    "group_id": r.group_id,
                    "group": r.group,
                    "pool_id": r.pool_id,
                    "amount_cents": r.amount_cents,
                    "currency": r.currency,
                    "round_id": r.round_id,
                    "round": r.round_name,
                    "refunded_at": rfc3339_or_none(r.refunded_at),
                    "handed_back_at": rfc3339_or_none(r.handed_back_at),
                }
                for r in mine.refunds
            ],
            "backings": [
                {
                    "id": b.id,
                    "issue_id": b.issue_id,
                    "title": b.title,
                    "amount_cents": b.amount_cents,
                    "currency": b.currency,
                    "status": b.status,
                    "created_at": rfc3339_or_none(b.created_at),
                    "settled_at": rfc3339_or_none(b.settled_at),
                }
                for b in mine.backings
            ],
            "returned": [
                {
                    "line_id": r.line_id,
                    "issue_id": r.issue_id,
                    "title": r.title,
                    "amount_cents": r.amount_cents,
                    "currency": r.currency,
                    "returned_at": rfc3339_or_none(r.returned_at),
                    "at_the_cashier": r.at_the_cashier,
                    "paid_back_at": rfc3339_or_none(r.paid_back_at),
                }
                for r in mine.returned
            ],
            "ballots": [
                {
                    "round_id": b.round_id,
                    "round": b.round,
                    "group": b.group,
                    "phase": b.phase,
                    "choices": b.choices,
                    "updated_at": rfc3339_or_none(b.updated_at),
                }
                for b in mine.ballots
            ],
            "groups": [{"id": g.id, "name": g.name, "runs_group": g.is_admin} for g in mine.groups],
            "tokens": [
                {
                    "id": t.id,
                    "created_at": rfc3339_or_none(t.created_at),
                    "expires_at": rfc3339_or_none(t.expires_at),
                }
                for t in mine.tokens
            ],
        }
    )


@bp.get("/account/export")
@operation(
    operation_id="exportAccount",
    summary="Download my data: a ZIP of data.json, README.txt and photos/",
    description="The ZIP's README.txt, which describes the files:\n\n```\n" + README + "```",
    replies={
        200: Reply(
            "A ZIP archive",
            media="application/zip",
            schema={"type": "string", "contentMediaType": "application/zip"},
            headers={"Content-Disposition": "attachment; filename=commonfix-my-data-<id>-<time>.zip"},
        )
    },
    errors=(401, 429),
    secured=True,
)
@limit("RATE_LIMIT_EXPORT", per_user=True, reads=True)
def export_account() -> Download:
    user = require_user()
    return zip_response(export_zip(db.session, user, photo_store()), user.id)


@bp.delete("/account")
@operation(
    operation_id="deleteAccount",
    summary="Delete my account (confirmed with the password)",
    description=(
        "Removes the email, name, password, follows, memberships, handled flags, API tokens, logins, pending "
        "pledges, likes on open problems, ballots in rounds not yet tallied and the copies of mail sent to "
        "any address the account had, and unlinks the census "
        "entry verified with (free again) and the voting codes used (they stay used). Public reports and "
        "updates stay, shown as by “a former resident”; confirmed pledges stay on the ledger under an "
        "anonymous number; ballots of tallied rounds stay; open flags stay for moderators, naming no "
        "one. 409 (field `account`) while a pledge waits for "
        "a round not yet tallied, a tally of the account's round runs, or the account alone runs a group "
        "with other members; 422 (field `password`) for a wrong password. Nothing changes on an error."
    ),
    body={JSON: DeleteAccount},
    replies={204: Reply("Deleted; the token and the session no longer work")},
    errors=(400, 401, 409, 422, 429),
    secured=True,
)
@limit("RATE_LIMIT_LOGIN", per_user=True)
def delete_account() -> tuple[str, int]:
    user = require_user()  # a stranger gets 401 whatever the body
    data = json_body()
    deletion.delete_account(db.session, user, data.get("password"))
    db.session.commit()
    logout_user()
    return "", 204
