"""A blocked official or group admin keeps a working login or token, but moves no money and no result:
certifying, sending back, cancelling and confirming pledges are refused (403) and store nothing."""

# ruff: noqa: F811  (fixtures are imported, then requested by name)

from __future__ import annotations

from sqlalchemy import update

from app.extensions import db
from app.models import Pool, User
from tests.funding.round_actions import COSTS, audit_of, postings, round_row, voting_round
from tests.funding.round_world import RoundWorld, world  # noqa: F401
from tests.funding_fixtures import funding  # noqa: F401


def block(world: RoundWorld, user: User) -> None:
    """The admin blocks the account; its token (made before) still reaches the API."""
    world.headers(user)
    with world.app.app_context():
        db.session.execute(update(User).where(User.id == user.id).values(is_blocked=True))
        db.session.commit()


def test_a_blocked_official_neither_certifies_nor_sends_back_nor_cancels(world: RoundWorld) -> None:
    world.build(members=4, pledges=(1000, 1000), costs=COSTS)
    rid = voting_round(world)
    assert world.tally(rid).status_code == 200
    assert world.official is not None
    block(world, world.official)
    before = round_row(world, rid)

    certified = world.certify(rid)
    sent = world.send_back(rid)
    cancelled = world.client.post(
        f"/api/v1/rounds/{rid}/cancellation",
        json={"reason": "No."},
        headers=world.headers(world.official),
    )

    for refused in (certified, sent, cancelled):
        assert refused.status_code == 403, refused.get_json()
        assert refused.get_json()["error"]["message"] == "This account is blocked."
    assert round_row(world, rid) == before
    assert round_row(world, rid)["result_status"] == "provisional"
    assert postings(world, rid) == 0
    for action in ("round.certify", "round.send_back", "round.cancel"):
        assert audit_of(world, action, rid) == []
    other = world.make_user(role="official")
    assert world.certify(rid, by=other).status_code == 200


def test_a_blocked_treasurer_confirms_no_pledge_and_closes_no_pool(world: RoundWorld) -> None:
    world.build(members=2)
    assert world.ref is not None
    assert world.admin is not None
    assert world.official is not None
    pledge_id = world.funding.pledge(world.ref, world.members[0], 700, confirm=False)
    block(world, world.admin)

    refused = world.client.post(f"/api/v1/pledges/{pledge_id}/confirm", headers=world.headers(world.admin))

    assert refused.status_code == 403, refused.get_json()
    assert refused.get_json()["error"]["message"] == "This account is blocked."
    balance = world.funding.balance(world.ref)
    assert (balance.confirmed_cents, balance.pending_cents) == (0, 700)
    confirmed = world.client.post(
        f"/api/v1/pledges/{pledge_id}/confirm", headers=world.headers(world.official)
    )
    assert confirmed.status_code == 200
    assert world.funding.balance(world.ref).confirmed_cents == 700
    # On the web too: no treasurer page, and the pool stays open.
    world.auth.login_as(world.admin)
    assert world.client.get(f"/pools/{world.ref.pool_id}/treasurer").status_code == 403
    assert world.client.post(f"/pools/{world.ref.pool_id}/state", data={"is_open": "0"}).status_code == 403
    with world.app.app_context():
        pool = db.session.get(Pool, world.ref.pool_id)
        assert pool is not None
        assert pool.is_open
