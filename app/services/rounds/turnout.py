"""Turnout (eligible ballots of the eligible count taken when voting opened) and the minimum turnout.

A round created with `min_turnout` (ballots; voting rounds only) cannot be tallied while fewer ballots
were cast and no official released the tally: the claim answers 409 naming the figures, and nothing
is stored. An official's release (audited) lets the group's admins tally it as it is; a cancel
(audited) closes the round with no result and no money moved (the pool keeps it for the next round).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update

from app.database.sessions import DbSession, execute_write
from app.models import Round, RoundBallot, User
from app.models.rounds import Phase, ResultStatus
from app.models.timestamps import utcnow
from app.services.kernel import audit
from app.services.kernel.errors import Conflict
from app.services.kernel.text import clean_reason
from app.services.rounds import announcements, eligibility, like_ballots, paper_voters, windows
from app.services.rounds.access import get_round, require_official, require_runner
from app.services.rounds.ballots import ballots_cast

UNTALLIED = (Phase.DRAFT.value, Phase.PLEDGING.value, Phase.VOTING.value)


def is_held(session: DbSession, found: Round) -> bool:
    """True when a tally of the round would be held: a minimum not met and not released, in a round
    whose voting has opened (found from outside: before its window opened, a round read "Tally held"
    and an official could release it, waiving the minimum before anyone could vote)."""
    return windows.opens_later(found, utcnow()) is None and _below_minimum(session, found)


def _below_minimum(session: DbSession, found: Round) -> bool:
    """A voting round's minimum turnout not met and not released."""
    if not found.min_turnout or found.turnout_released_at is not None:
        return False
    if found.phase != Phase.VOTING.value:
        return False
    return ballots_cast(session, found) < found.min_turnout


def require_quorum(session: DbSession, found: Round) -> None:
    """Refuse a tally below the minimum (before the window opens too: no ballot could be cast yet)."""
    if _below_minimum(session, found):
        cast = ballots_cast(session, found)
        then = (
            "the tally is held until a city official releases it or cancels the round"
            if windows.voting_over(found, utcnow())
            else "once voting has closed, a city official decides whether the tally goes ahead"
        )
        raise Conflict(
            f"Turnout is {cast} ballot{'' if cast == 1 else 's'}, below this round's minimum of "
            f"{found.min_turnout}: {then}.",
            "min_turnout",
        )


def release(session: DbSession, user: User, round_id: int) -> Round:
    """An official lets a round below its minimum turnout be tallied as it is."""
    found = get_round(session, round_id)
    require_official(user, "release a tally held for low turnout")
    if not is_held(session, found):
        raise Conflict("This round's tally is not held: there is nothing to release.", "min_turnout")
    if not windows.voting_over(found, utcnow()):
        raise Conflict(
            "Voting is still open: a tally held for low turnout is released once voting has closed, "
            "when the turnout is known.",
            "min_turnout",
        )
    execute_write(
        session,
        update(Round)
        .where(Round.id == round_id, Round.turnout_released_at.is_(None))
        .values(turnout_released_at=utcnow())
        .execution_options(synchronize_session=False),
    )
    audit.record(
        session,
        user,
        "round.release",
        "round",
        round_id,
        ballots=ballots_cast(session, found),
        min_turnout=found.min_turnout,
    )
    session.flush()
    session.refresh(found)
    return found


BEFORE_VOTING = (Phase.DRAFT.value, Phase.PLEDGING.value)


def cancel(session: DbSession, user: User, round_id: int, reason: object) -> Round:
    """Cancel a round that has no result yet: closed, nothing tallied, no money moved. Before voting
    opens its group's admins may (a draft set up by mistake, found from outside, stayed on the group
    page for good); once members vote, only the city."""
    found = get_round(session, round_id)
    # A round moved to voting before its window's start has not opened either (found from outside: its
    # admin could tally it, not cancel it).
    before_voting = found.phase in BEFORE_VOTING or windows.opens_later(found, utcnow()) is not None
    if before_voting:
        require_runner(session, user, found.group_id, "cancel a round before voting opens")
    else:
        require_official(user, "cancel a round once voting has opened")
    text = clean_reason(reason, 1000, "say why the round ends")
    now = utcnow()
    cancelled = execute_write(
        session,
        update(Round)
        .where(
            Round.id == round_id,
            Round.phase.in_(UNTALLIED if user.is_staff or before_voting else BEFORE_VOTING),
            Round.tally_token.is_(None),
        )
        .values(
            phase=Phase.CLOSED.value,
            closed_at=now,
            voting_closed_at=now,
            result_status=ResultStatus.CANCELLED.value,
            official_note=text,
        )
        .execution_options(synchronize_session=False),
    ).rowcount
    if not cancelled:
        session.refresh(found)
        then = " Send its result back first, then cancel it." if found.phase == Phase.TALLIED.value else ""
        raise Conflict(
            "Only a round without a result and no tally running can be cancelled; "
            f"this one is {found.phase}.{then}",
            "phase",
        )
    audit.record(session, user, "round.cancel", "round", round_id, reason=text)
    session.flush()
    session.refresh(found)
    if found.voting_at is not None:  # its voters were invited ("Vote in ..."): they hear why it ends
        announcements.cancelled(session, found, by_city=user.is_staff)
    return found


@dataclass(frozen=True)
class Turnout:
    """Ballots of eligible residents out of those eligible, as the group, round and results pages say."""

    ballots: int
    eligible: int
    policy: str  # app/models/eligibility.Eligibility
    as_of: datetime | None  # when the eligible count was taken (voting opened); None: counted now
    final: bool  # the tally's figures

    @property
    def percent(self) -> int:
        return round(100 * self.ballots / self.eligible) if self.eligible else 0

    @property
    def words(self) -> str:
        return f"{self.ballots:,} of {self.eligible:,} eligible"

    @property
    def who(self) -> str:
        return eligibility.POLICY_WORDS[self.policy]


def eligible_ballots(session: DbSession, found: Round) -> int:
    """Ballots cast by residents who may vote now (the tally counts exactly these): a likes round's
    voters who like a candidate until voting closes; else online ballots and agreed paper ones."""
    if like_ballots.reads_live(found):
        return like_ballots.live_count(session, found)
    voters = eligibility.eligible_voters(found, eligibility.area_of(session, found)[0])
    online = session.scalar(
        select(func.count())
        .select_from(RoundBallot)
        .where(RoundBallot.round_id == found.id, RoundBallot.user_id.in_(voters))
    )
    return int(online or 0) + paper_voters.agreed_count(session, found.id)


def turnout_of(session: DbSession, found: Round) -> Turnout | None:
    """The round's turnout: the tally's figures once tallied; before, live ballots over the snapshot."""
    if found.ballots_count is not None and found.members_count is not None and found.tallied_at:
        return Turnout(found.ballots_count, found.members_count, found.eligibility, found.voting_at, True)
    if not found.has_voting_phase or found.result_status == ResultStatus.CANCELLED.value:
        return None
    if found.voting_at is not None and found.members_count is not None:
        return Turnout(
            eligible_ballots(session, found), found.members_count, found.eligibility, found.voting_at, False
        )
    return Turnout(0, eligibility.eligible_count(session, found), found.eligibility, None, False)
