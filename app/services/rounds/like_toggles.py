"""Changing a likes round's ballot: adding or removing a candidate likes or unlikes the problem.

Both go through the like service (app/services/issues/likes.py), so the problem's count and the
like's rules stay the same as everywhere else. Each change first writes a guard on the round (a
conditional UPDATE that only matches while voting is open and no tally holds the round): closing
voting and a tally's claim write that row too, so they wait for the change and see it in their
snapshot, or the change finds voting closed and nothing is stored. The guard also keeps the like in
the request's transaction on SQLite (the like service commits a lone write as it runs otherwise).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from app.database.sessions import DbSession, execute_write
from app.models import Round, User
from app.models.rounds import Phase
from app.services.issues import likes
from app.services.kernel.errors import Conflict, ValidationError
from app.services.kernel.roles import require_confirmed, require_not_blocked
from app.services.rounds import ballots, eligibility, like_ballots
from app.services.rounds.access import get_round


def _open_likes_round(session: DbSession, user: User, round_id: int) -> Round:
    require_confirmed(user)
    found = get_round(session, round_id)
    if not like_ballots.is_likes_round(found):
        raise Conflict("This round's ballot is not made of likes; fill in the ballot instead.", "ballot")
    require_not_blocked(user)
    eligibility.require_eligible(session, user, found)
    ballots.require_voting_open(found)
    held = execute_write(
        session,
        update(Round)
        .where(
            Round.id == round_id,
            Round.phase == Phase.VOTING.value,
            Round.tally_token.is_(None),
            Round.voting_closed_at.is_(None),
        )
        .values(phase=Round.phase)
        .execution_options(synchronize_session=False),
    ).rowcount
    if not held:
        raise Conflict("Voting in this round closed while your change was being saved.", "phase")
    return found


def toggle(session: DbSession, user: User, round_id: int, issue_id: int, liked: bool) -> dict[int, int]:
    """Like (`liked`) or unlike a candidate from the ballot; returns the member's ballot afterwards."""
    found = _open_likes_round(session, user, round_id)
    ballots.check_choices(session, found, {issue_id: 1})
    if liked:
        likes.like(session, user, issue_id)
    else:
        likes.unlike(session, user, issue_id)
    return like_ballots.live_ballot_of(session, found, user.id)


def set_ballot(session: DbSession, user: User, round_id: int, body: dict[str, Any]) -> dict[int, int]:
    """The API's PUT of a likes round's ballot: like exactly the candidates in `issue_ids`."""
    found = _open_likes_round(session, user, round_id)
    wanted = ballots.parse_choices(found, body)
    ballots.check_choices(session, found, wanted)
    current = like_ballots.live_ballot_of(session, found, user.id)
    for issue_id in sorted(set(wanted) - set(current)):
        likes.like(session, user, issue_id)
    for issue_id in sorted(set(current) - set(wanted)):
        likes.unlike(session, user, issue_id)
    return like_ballots.live_ballot_of(session, found, user.id)


def parse_liked(raw: object) -> bool:
    if raw in ("yes", True):
        return True
    if raw in ("no", False):
        return False
    raise ValidationError('liked must be "yes" (add to your ballot) or "no" (remove it).', "liked")
