"""The money acts that had no audit entry (found by the treasurer's pass): confirming a pledge, an
official's match by hand, closing and opening a pool. Each is recorded once, in words, and a repeat
that changes nothing records nothing. Both engines."""

# ruff: noqa: F811  (fixtures are imported, then requested by name)

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry, User
from app.services.workspace.audit_phrases import Facts
from app.services.workspace.audit_words import describe
from tests.conftest import AuthActions
from tests.funding_fixtures import Funding, funding  # noqa: F401


def audited(app: Flask, *actions: str) -> list[str]:
    """The entries of `actions`, oldest first, as the audit log reads them."""
    with app.app_context():
        rows = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action.in_(actions)).order_by(AuditEntry.id)
        ).all()
        return [describe(Facts(r.action, r.target_type, r.target_id, r.details or {}), {}).text for r in rows]


def test_confirming_a_pledge_is_audited_once(
    app: Flask, client: FlaskClient, auth: AuthActions, funding: Funding
) -> None:
    ref = funding.group()
    treasurer = funding.member(ref, admin=True)
    pledge_id = funding.pledge(ref, funding.member(ref), 1250, confirm=False)
    headers = auth.headers(treasurer)
    for _ in range(2):  # confirming twice changes nothing the second time
        assert client.post(f"/api/v1/pledges/{pledge_id}/confirm", headers=headers).status_code == 200
    assert audited(app, "pledge.confirm") == [
        f"confirmed pledge {pledge_id} of EUR 12.50 to pool {ref.pool_id}: its money arrived"
    ]


def test_a_match_by_hand_and_the_pools_state_are_audited(
    app: Flask, client: FlaskClient, auth: AuthActions, funding: Funding, make_user: Callable[..., User]
) -> None:
    ref = funding.group()
    treasurer = funding.member(ref, admin=True)
    funding.pledge(ref, funding.member(ref), 2000)
    auth.login_as(make_user(role="official"))
    matched = client.post(
        f"/pools/{ref.pool_id}/match", data={"ratio_num": "1", "ratio_den": "2", "cap": "5.00"}
    )
    assert matched.status_code == 302
    assert audited(app, "pool.match") == [
        f"added the city's match by hand to pool {ref.pool_id}: EUR 5.00 for EUR 20.00 of pledges not "
        "matched before (ratio 1:2)"
    ]

    # Who asks comes first (found from outside: a form without is_open was a 400 to anyone, before
    # the role check); a member is refused, the treasurer is told what is missing.
    auth.login_as(funding.member(ref))
    assert client.post(f"/pools/{ref.pool_id}/state", data={}).status_code == 403
    auth.login_as(treasurer)
    missing = client.post(f"/pools/{ref.pool_id}/state", data={"is_open": "maybe"})
    assert missing.status_code == 422
    assert "is_open must be 1 (open) or 0 (closed)." in missing.get_data(as_text=True)
    for state in ("0", "0", "1"):  # closing a closed pool (a form sent twice) records nothing
        sent = client.post(f"/pools/{ref.pool_id}/state", data={"is_open": state})
        assert sent.status_code == 302
    assert audited(app, "pool.open", "pool.close") == [
        f"closed pool {ref.pool_id} to new pledges",
        f"opened pool {ref.pool_id} to pledges",
    ]
