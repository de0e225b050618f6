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
from tests.funding.round_world import RoundWorld, world  # noqa: F401
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


def test_a_rounds_terms_and_its_city_match_are_audited(app: Flask, world: RoundWorld) -> None:
    """Found from outside: an official's city match on a round (city money, added at the tally) and its
    removal left no audit entry."""
    world.build(members=2, pledges=(2000,), costs=(1500,))
    rid = world.create()["id"]
    assert world.official is not None
    world.auth.login_as(world.official)
    for ratio, cap in (
        ("1:1", "50.00"),
        ("1:1", "50.00"),
        ("2:1", ""),
        ("", ""),
    ):  # the second changes nothing
        sent = world.client.post(f"/rounds/{rid}/match", data={"match_ratio": ratio, "match_cap": cap})
        assert sent.status_code == 302
    world.auth.logout()  # the API below is asked with the group admin's token
    renamed = world.client.patch(
        f"/api/v1/rounds/{rid}", json={"name": "Spring 2027", "top_n": 5}, headers=world.headers(world.admin)
    )
    assert renamed.status_code == 200, renamed.get_json()
    assert audited(app, "round.update") == [
        f"changed round {rid}: city match none → 1:1 up to EUR 50.00",
        f"changed round {rid}: city match 1:1 up to EUR 50.00 → 2:1",
        f"changed round {rid}: city match 2:1 → none",
        f"changed round {rid}: name Spring round → Spring 2027; candidates on the ballot 10 → 5",
    ]
    # A term that goes away reads "none", not Python's None.
    picks = world.client.patch(
        f"/api/v1/rounds/{rid}", json={"ballot": "k-approval", "k": 2}, headers=world.headers(world.admin)
    )
    assert picks.status_code == 200, picks.get_json()
    plain = world.client.patch(
        f"/api/v1/rounds/{rid}", json={"ballot": "approval"}, headers=world.headers(world.admin)
    )
    assert plain.status_code == 200, plain.get_json()
    assert (
        audited(app, "round.update")[-1]
        == f"changed round {rid}: ballot k-approval → approval; picks per ballot 2 → none"
    )
