"""The demo city has a round open for voting (found from outside: with one round tallied and one taking
pledges, nobody trying the demo could see a ballot). Half of Millbrook's members have voted; the README's
resident16 has a ballot waiting and can cast it."""

from __future__ import annotations

from sqlalchemy import func, select

from app.demo.seed import seed_demo_city
from app.extensions import db
from app.models import Membership, Round, RoundBallot, RoundCandidate, User
from tests.conftest import AuthActions

WAITING = "resident16@demo.commonfix.org"  # named in the README


def test_the_demo_city_has_a_round_open_for_voting(app, client, auth: AuthActions) -> None:
    with app.app_context():
        summary = seed_demo_city(db.session)  # what `make run` loads
        db.session.commit()
        assert ": tallied; " in summary
        assert ": pledging; " in summary
        assert ": voting)." in summary
        spring = db.session.scalar(select(Round).where(Round.name == "Spring 2027"))
        assert spring is not None
        assert (spring.phase, spring.rule) == ("voting", "exactequalshares/addopt")
        members = db.session.scalar(select(func.count()).where(Membership.group_id == spring.group_id))
        cast = db.session.scalar(select(func.count()).where(RoundBallot.round_id == spring.id))
        assert members == 6
        assert cast == 3
        waiting = db.session.scalar(select(User.id).where(User.email == WAITING))
        assert db.session.scalar(
            select(Membership).where(Membership.group_id == spring.group_id, Membership.user_id == waiting)
        )
        assert not db.session.scalar(
            select(RoundBallot).where(RoundBallot.round_id == spring.id, RoundBallot.user_id == waiting)
        )
        round_id = spring.id
    auth.login(WAITING, "demo-password")
    page = client.get(f"/rounds/{round_id}/ballot").get_data(as_text=True)
    assert "Spring 2027" in page
    assert 'name="issue_ids"' in page  # the ballot is there to fill in


def test_a_small_demo_city_with_nothing_to_vote_on_still_loads(app) -> None:
    """Found by CI: a demo city of 60 problems once had nothing costed in Millbrook, and opening its vote
    stopped the whole seed. A round with nothing to vote on now stays taking pledges."""
    with app.app_context():
        summary = seed_demo_city(db.session, issue_count=4, resident_count=20)
        db.session.commit()
        assert "nothing to vote on" in summary
        for found in db.session.scalars(select(Round).where(Round.phase == "voting")):
            assert db.session.scalar(select(func.count()).where(RoundCandidate.round_id == found.id))
