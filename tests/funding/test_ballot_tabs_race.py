"""Two tabs (or devices) saving a ballot drawn from the same saved ballot at the same moment: one is
saved, the other is refused as stale, never both told "saved" with one ballot lost (found from outside:
the check before the write and the write were two steps). Real threads, real sessions, both engines."""

# ruff: noqa: F811  (fixtures are imported, then requested by name)

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import RoundBallot, User
from app.services.kernel.errors import Conflict
from app.services.rounds import ballots
from tests.funding.round_world import RoundWorld, world  # noqa: F401
from tests.funding_fixtures import funding  # noqa: F401
from tests.races import Hold, race

COSTS = (3000, 2000, 1500, 1000)


def stored(world: RoundWorld, rid: int) -> list[dict[str, int]]:
    with world.app.app_context():
        return list(db.session.scalars(select(RoundBallot.choices).where(RoundBallot.round_id == rid)))


@pytest.mark.parametrize("first_ballot", [True, False])
def test_two_tabs_saving_at_once_save_one_and_refuse_the_other(world: RoundWorld, first_ballot: bool) -> None:
    world.build(members=1, pledges=(5000,), costs=COSTS)
    rid = int(world.create(ballot="approval")["id"])
    world.open_voting(rid)
    member = world.members[0]
    a, b, c, _ = world.issues
    drawn = "none"
    if not first_ballot:
        assert world.vote(member, rid, issue_ids=[a]).status_code == 200
        with world.app.app_context():
            saved_at = db.session.scalar(select(RoundBallot.updated_at).where(RoundBallot.round_id == rid))
            drawn = ballots.drawn_from(saved_at)
    held = Hold()

    def tab_a() -> str:
        with world.app.app_context():
            user = db.session.get(User, member.id)
            ballots.cast_ballot(db.session, user, rid, {"issue_ids": [b]}, page_drawn_from=drawn)
            held.hold()  # written, not yet committed
            db.session.commit()
            return "saved"

    def tab_b() -> str:
        with world.app.app_context():
            user = db.session.get(User, member.id)
            try:
                ballots.cast_ballot(db.session, user, rid, {"issue_ids": [c]}, page_drawn_from=drawn)
                db.session.commit()
                return "saved"
            except Conflict as refused:
                db.session.rollback()
                return f"refused ({refused.field})"

    assert race(tab_a, tab_b, held) == ("saved", "refused (drawn_from)")

    assert stored(world, rid) == [{str(b): 1}]
