"""Likes as ballots: a likes round's ballots are its members' likes among the candidates, read live.

A round with ballot type `likes` has no stored ballots while voting is open: a member's approval
ballot IS their likes among the round's candidates (the snapshot taken when voting opened), so the
ballot and the likes can never disagree. Liking or unliking a candidate anywhere (the problem page,
the map, the API, the ballot page) changes the ballot at once. When voting closes (by hand, by the
schedule, or by the tally that closes it), `close_and_snapshot` writes one RoundBallot row per
eligible member who liked at least one candidate; the tally and the .pb export read those rows, and
likes given or withdrawn afterwards change nothing. `Round.voting_closed_at` tells the two states
apart: NULL means read live, set means read the snapshot.

Who counts: the voters the ballot path admits (ballots.cast_ballot: members of the group with a
confirmed, unblocked, undeleted account), so a like from a non-member never votes.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, delete, func, insert, select, update

from app.database.sessions import DbSession, execute_write
from app.models import Like, Round, RoundBallot, RoundCandidate, User
from app.models.rounds import Phase
from app.services.rounds import eligibility

LIKES = "likes"


def is_likes_round(found: Round) -> bool:
    return found.ballot == LIKES


def reads_live(found: Round) -> bool:
    """True while the round's likes are its ballots (voting not closed yet); False once snapshotted."""
    return (
        is_likes_round(found)
        and found.voting_closed_at is None
        and found.phase
        in (
            Phase.DRAFT.value,
            Phase.PLEDGING.value,
            Phase.VOTING.value,
        )
    )


def eligible(session: DbSession, found: Round) -> ColumnElement[bool]:
    """A user who may vote in the round (eligibility.py's policy, in SQL) and is not blocked."""
    area_id = eligibility.area_of(session, found)[0]
    return and_(User.id.in_(eligibility.eligible_voters(found, area_id)), User.is_blocked.is_(False))


def _is_candidate(found: Round) -> ColumnElement[bool]:
    return and_(RoundCandidate.issue_id == Like.issue_id, RoundCandidate.round_id == found.id)


def _liked_candidates(session: DbSession, found: Round) -> Select[tuple[int, int]]:
    """(user id, issue id) of every eligible voter's like on one of the round's candidates."""
    return (
        select(Like.user_id, Like.issue_id)
        .join(
            RoundCandidate,
            _is_candidate(found),
        )
        .join(User, User.id == Like.user_id)
        .where(eligible(session, found))
    )


def live_ballots(session: DbSession, found: Round) -> dict[int, dict[int, int]]:
    """Each eligible member's likes among the candidates as an approval ballot, by user id (in order)."""
    by_member: dict[int, dict[int, int]] = defaultdict(dict)
    rows = session.execute(_liked_candidates(session, found).order_by(Like.user_id, Like.issue_id)).tuples()
    for user_id, issue_id in rows:
        by_member[user_id][issue_id] = 1
    return dict(by_member)


def live_ballot_of(session: DbSession, found: Round, user_id: int) -> dict[int, int]:
    rows = session.scalars(
        select(Like.issue_id)
        .join(
            RoundCandidate,
            _is_candidate(found),
        )
        .where(Like.user_id == user_id)
        .order_by(Like.issue_id)
    )
    return dict.fromkeys(rows, 1)


def live_count(session: DbSession, found: Round) -> int:
    """How many eligible members have a ballot now, i.e. like at least one candidate."""
    counted = _liked_candidates(session, found).with_only_columns(Like.user_id).distinct().subquery()
    return int(session.scalar(select(func.count()).select_from(counted)) or 0)


def voters_with_likes(found: Round) -> Select[tuple[int]]:
    """The ids of users who like at least one candidate (for the reminder: everyone else is reminded)."""
    return (
        select(Like.user_id)
        .join(
            RoundCandidate,
            _is_candidate(found),
        )
        .distinct()
    )


def close_and_snapshot(session: DbSession, found: Round, now: datetime) -> int | None:
    """Close voting in a likes round and write its ballots from the likes; the number written.

    None when voting was already closed (the snapshot taken then stands). The conditional UPDATE comes
    first, so two closers (a runner and the schedule, or the tally) snapshot once; on PostgreSQL it
    waits for a ballot-page toggle holding the round (like_toggles.py), so the snapshot sees its like.
    """
    closed = execute_write(
        session,
        update(Round)
        .where(Round.id == found.id, Round.voting_closed_at.is_(None))
        .values(voting_closed_at=now)
        .execution_options(synchronize_session=False),
    ).rowcount
    if not closed:
        return None
    written = snapshot(session, found, now)
    session.refresh(found)
    return written


def snapshot(session: DbSession, found: Round, now: datetime) -> int:
    """Replace the round's stored ballots with the live ones; the number of ballots written."""
    session.execute(
        delete(RoundBallot)
        .where(RoundBallot.round_id == found.id)
        .execution_options(synchronize_session=False)
    )
    rows = [
        {
            "round_id": found.id,
            "user_id": user_id,
            "choices": {str(issue_id): 1 for issue_id in sorted(choices)},
            "created_at": now,
            "updated_at": now,
        }
        for user_id, choices in live_ballots(session, found).items()
    ]
    if rows:
        session.execute(insert(RoundBallot), rows)
    session.flush()
    return len(rows)
