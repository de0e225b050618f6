"""Ballots: one per eligible resident and round, checked against the ballot type, replaced atomically.

A member may change their ballot until voting closes. The API's upsert is one statement on the unique
(round_id, user_id) key, and a ballot page's write one conditional statement (`_replace_drawn`);
afterwards the round row is re-read (FOR SHARE on PostgreSQL) so a ballot can never slip in after a
tally has claimed the round: if the tally got there first, the ballot fails with 409 and nothing is
stored; if the ballot got there first, the tally waits for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from app.database.sessions import DbSession, execute_write
from app.database.spellings import insert_ignoring_duplicates, upsert
from app.models import Pool, Round, RoundBallot, User
from app.models.rounds import Phase
from app.models.timestamps import utcnow
from app.services.kernel.city_time import city_day_time
from app.services.kernel.errors import Conflict, ValidationError
from app.services.kernel.parsing import DB_INT_MAX, parse_id, shown
from app.services.kernel.roles import require_confirmed, require_not_blocked
from app.services.rounds import candidates, eligibility, like_ballots, paper_voters, windows
from app.services.rounds import money as round_money
from app.services.rounds.access import get_round
from budgets.money import format_money

APPROVAL_TYPES = ("approval", "k-approval", "knapsack", "likes")


@dataclass(frozen=True)
class BallotLimits:
    """What the ballot page shows and checks: the k limit, the knapsack budget, the points allowance."""

    ballot: str
    k: int | None
    budget_cents: int | None
    points: int | None


def require_voting_open(found: Round) -> None:
    if found.phase != Phase.VOTING.value or found.tally_token is not None:
        if found.phase in (Phase.DRAFT.value, Phase.PLEDGING.value) and found.tally_token is None:
            raise Conflict("Voting has not opened yet in this round.", "phase")
        raise Conflict("Voting in this round is closed.", "phase")
    windows.require_window(found, utcnow())


def _issue_id(raw: object, field: str) -> int:
    try:
        return parse_id(raw, field)
    except ValidationError:
        raise ValidationError(
            f"{field} must list issue ids (whole numbers 0-9), not {shown(raw)}.", field
        ) from None


def named(issue_id: int, titles: Mapping[int, str]) -> str:
    """A problem as a refusal names it: its title and number where known (found from outside: a
    ballot page's refusal named problems by number only), else its number."""
    title = titles.get(issue_id)
    return f"“{title}” (#{issue_id})" if title else f"#{issue_id}"


def candidate_titles(session: DbSession, found: Round) -> dict[int, str]:
    """The round's candidates' titles by issue id, for naming them in refusals."""
    listed, _ = candidates.current(session, found)
    return {c.issue_id: c.title for c in listed}


def parse_choices(
    found: Round, body: dict[str, Any], titles: Mapping[int, str] | None = None
) -> dict[int, int]:
    """The ballot as {issue_id: points} (1 per approval), before the candidate and limit checks;
    `titles` names the problems in its refusals."""
    if found.ballot in APPROVAL_TYPES:
        raw = body.get("issue_ids")
        if not isinstance(raw, list):
            raise ValidationError(
                f"This round's ballot is {found.ballot}: send issue_ids, a list of the issues you approve.",
                "issue_ids",
            )
        ids = [_issue_id(item, "issue_ids") for item in raw]
        if len(set(ids)) != len(ids):
            raise ValidationError("issue_ids names an issue more than once.", "issue_ids")
        return dict.fromkeys(ids, 1)
    raw_points = body.get("points")
    if not isinstance(raw_points, dict):
        raise ValidationError(
            "This round's ballot is cumulative: send points, an object of issue id -> points.", "points"
        )
    points: dict[int, int] = {}
    for key, value in raw_points.items():
        issue_id = _issue_id(key, "points")
        if issue_id in points:
            raise ValidationError("points names an issue more than once.", "points")
        if isinstance(value, bool) or not isinstance(value, int) or value > DB_INT_MAX:
            raise ValidationError(
                f"The points for {named(issue_id, titles or {})} must be a whole number.", "points"
            )
        if value < 0:
            raise ValidationError(
                f"The points for {named(issue_id, titles or {})} must not be negative: give 0 or more.",
                "points",
            )
        if value:
            points[issue_id] = value
    return points


def limits_of(session: DbSession, found: Round) -> BallotLimits:
    budget = round_money.preview(session, found).budget_cents if found.ballot == "knapsack" else None
    return BallotLimits(found.ballot, found.k, budget, found.points)


def pool_currency(session: DbSession, pool_id: int) -> str:
    return session.scalar(select(Pool.currency).where(Pool.id == pool_id)) or "EUR"


def check_choices(session: DbSession, found: Round, choices: dict[int, int]) -> None:
    field = "points" if found.ballot == "cumulative" else "issue_ids"
    listed, _ = candidates.current(session, found)
    cost = {c.issue_id: c.cost_cents for c in listed}
    unknown = sorted(set(choices) - set(cost))
    if unknown:
        raise ValidationError(
            f"{'Problem' if len(unknown) == 1 else 'Problems'} {', '.join(f'#{i}' for i in unknown)} "
            f"{'is not a candidate' if len(unknown) == 1 else 'are not candidates'} of this round "
            "(the list was fixed when voting opened); reload the ballot.",
            field,
        )
    if found.ballot == "k-approval" and found.k is not None and len(choices) > found.k:
        extra = len(choices) - found.k
        raise ValidationError(
            f"You chose {len(choices)} problems; this ballot allows at most {found.k}. "
            f"Untick {extra} of them.",
            "issue_ids",
        )
    if found.ballot == "knapsack":
        budget = limits_of(session, found).budget_cents or 0
        total = sum(cost[i] for i in choices)
        if total > budget:
            currency = pool_currency(session, found.pool_id)
            raise ValidationError(
                f"These choices cost {format_money(total, currency)}, "
                f"{format_money(total - budget, currency)} more than the "
                f"{format_money(budget, currency)} pool. Untick something to fit.",
                "issue_ids",
            )
    if found.ballot == "cumulative" and found.points is not None:
        total = sum(choices.values())
        if total > found.points:
            raise ValidationError(
                f"These choices give {total} points, {total - found.points} more than the "
                f"{found.points} points you have.",
                "points",
            )


def require_may_cast(session: DbSession, user: User, found: Round) -> None:
    """Refuse, with why, a ballot `user` could not cast in `found` now, whatever it chose: an account
    not confirmed or blocked, a voter not eligible, voting not open, a likes round, a paper ballot
    already counted. The ballot page asks this before asking about a blank ballot."""
    require_confirmed(user)
    require_not_blocked(user)
    eligibility.require_eligible(session, user, found)
    require_voting_open(found)
    if like_ballots.is_likes_round(found):  # its ballot is the member's likes: like_toggles.set_ballot
        raise Conflict("This round's ballot is your likes: like or unlike its candidates instead.", "ballot")
    paper_voters.require_no_paper_ballot(session, found, user)


def drawn_from(saved_at: datetime | None) -> str:
    """What a ballot page sends back to say which saved ballot it was drawn from ("none": no ballot)."""
    return saved_at.isoformat() if saved_at is not None else "none"


def _stale(session: DbSession, found: Round, user: User) -> Conflict:
    """The refusal of a page's ballot drawn from a saved ballot that is no longer the stored one."""
    saved_at = session.scalar(
        select(RoundBallot.updated_at).where(RoundBallot.round_id == found.id, RoundBallot.user_id == user.id)
    )
    when = city_day_time(saved_at) if saved_at is not None else "a moment ago"
    return Conflict(
        f"Your ballot was changed at {when}, in another tab or on another device, after this page "
        "was opened. The page now shows your ballot as saved: choose again and save.",
        "drawn_from",
    )


def _replace_drawn(
    session: DbSession, found: Round, user: User, stored: dict[str, int], now: datetime, page_drawn_from: str
) -> None:
    """Write a page's ballot only over the saved ballot it was drawn from, in one conditional statement:
    an INSERT that skips an existing ballot, or an UPDATE of the ballot saved at that time. Otherwise
    another tab or device saved since (found from outside: a stale tab silently replaced a newer
    ballot; then, with a check before the write, two tabs saving at once were both told "saved" and
    one ballot was lost)."""
    if page_drawn_from == "none":
        values = {"round_id": found.id, "user_id": user.id, "choices": stored}
        first = insert_ignoring_duplicates(session, RoundBallot, **values, created_at=now, updated_at=now)
        written = execute_write(session, first).rowcount
    else:
        try:
            saved_at = datetime.fromisoformat(page_drawn_from)
        except ValueError:
            raise _stale(session, found, user) from None
        written = execute_write(
            session,
            update(RoundBallot)
            .where(
                RoundBallot.round_id == found.id,
                RoundBallot.user_id == user.id,
                RoundBallot.updated_at == saved_at,
            )
            .values(choices=stored, updated_at=now)
            .execution_options(synchronize_session=False),
        ).rowcount
    if written != 1:
        raise _stale(session, found, user)


def _refuse_withdrawn(
    session: DbSession, found: Round, choices: dict[int, int], titles: Mapping[int, str]
) -> None:
    """An online ballot names no candidate withdrawn since the list was made: the tally leaves it out,
    and the ballot page no longer offers it (found from outside: the API took such a vote with a 200).
    Paper ballots, printed before, are entered as cast."""
    gone = candidates.withdrawn(session, [i for i, points in choices.items() if points > 0])
    if gone:
        first = min(gone)
        raise ValidationError(
            f"Problem {named(first, titles)} is no longer on offer: {gone[first]}. A vote for it would "
            "not count; leave it off your ballot.",
            "points" if found.ballot == "cumulative" else "issue_ids",
        )


def cast_ballot(
    session: DbSession, user: User, round_id: int, body: dict[str, Any], *, page_drawn_from: str | None = None
) -> dict[int, int]:
    """Store (or replace) the eligible resident's ballot; returns the choices stored. A ballot page
    says which saved ballot it replaces (`page_drawn_from`, see `_replace_drawn`)."""
    found = get_round(session, round_id)
    require_may_cast(session, user, found)
    titles = candidate_titles(session, found)
    choices = parse_choices(found, body, titles)
    check_choices(session, found, choices)
    _refuse_withdrawn(session, found, choices, titles)
    stored = {str(issue_id): points for issue_id, points in sorted(choices.items())}
    now = utcnow()
    if page_drawn_from is not None:
        _replace_drawn(session, found, user, stored, now, page_drawn_from)
    else:  # the API: the ballot sent replaces the stored one
        session.execute(
            upsert(
                session,
                RoundBallot,
                ["round_id", "user_id"],
                {
                    "round_id": round_id,
                    "user_id": user.id,
                    "choices": stored,
                    "created_at": now,
                    "updated_at": now,
                },
                {"choices": stored, "updated_at": now},
            )
        )
    # Re-read the phase after the write (PostgreSQL: a share lock that a claiming tally must wait for).
    phase, token, closed_at = session.execute(
        select(Round.phase, Round.tally_token, Round.voting_closed_at)
        .where(Round.id == round_id)
        .with_for_update(read=True)
    ).one()
    if phase != Phase.VOTING.value or token is not None or closed_at is not None:
        raise Conflict("Voting in this round closed while the ballot was being stored.", "phase")
    return choices


def ballot_of(session: DbSession, round_id: int, user_id: int) -> dict[int, int] | None:
    """The member's ballot, or None if they have none; a likes round's is read live until voting closes."""
    found = session.get(Round, round_id)
    if found is not None and like_ballots.reads_live(found):
        return like_ballots.live_ballot_of(session, found, user_id) or None
    stored = session.scalar(
        select(RoundBallot.choices).where(RoundBallot.round_id == round_id, RoundBallot.user_id == user_id)
    )
    return None if stored is None else {int(k): int(v) for k, v in stored.items()}


def ballots_cast(session: DbSession, found: Round) -> int:
    """The round's ballots so far: a likes round's members who like a candidate, until voting closes."""
    if like_ballots.reads_live(found):
        return like_ballots.live_count(session, found)
    return ballot_count(session, found.id)


def ballot_count(session: DbSession, round_id: int) -> int:
    """Ballots that count: online ones and agreed paper ones (paper_ballots.py)."""
    online = session.scalar(
        select(func.count()).select_from(RoundBallot).where(RoundBallot.round_id == round_id)
    )
    return int(online or 0) + paper_voters.agreed_count(session, round_id)


def voting_with_ballot(session: DbSession, user_id: int, group_id: int) -> list[str]:
    """The names of the group's rounds now voting in which the resident's ballot is saved: what leaving
    the group would stop counting (eligibility.py counts members only)."""
    return list(
        session.scalars(
            select(Round.name)
            .join(RoundBallot, RoundBallot.round_id == Round.id)
            .where(
                Round.group_id == group_id,
                Round.phase == Phase.VOTING.value,
                RoundBallot.user_id == user_id,
            )
            .order_by(Round.id)
        )
    )
