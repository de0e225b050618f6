"""Rounds: create one for a group's pool, change its terms while allowed, move its phase forward."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update

from app.database.sessions import DbSession, execute_write
from app.models import Round, User
from app.models.rounds import PHASE_ORDER, Phase, ResultStatus
from app.models.timestamps import utcnow
from app.services.funding.ledger import lock_pool
from app.services.issues.money import CITY_CURRENCY
from app.services.kernel import audit
from app.services.kernel.errors import Conflict, ValidationError
from app.services.kernel.text import clean_text
from app.services.rounds import announcements, candidates, eligibility, windows
from app.services.rounds.access import (
    get_group,
    get_round,
    pool_id_of,
    require_official,
    require_runner,
)
from app.services.rounds.ballots import pool_currency
from app.services.rounds.explanations import rule_words
from app.services.rounds.match_terms import parse_match, require_match_open

BALLOTS = ("approval", "k-approval", "knapsack", "cumulative", "likes")
RULES = (  # the budgets/ engine's names
    "greedy",
    "equalshares/add1",
    "phragmen",
    "exactequalshares/addopt",
    "exactequalshares/addoptskip",
)
LEFTOVERS = ("rollover", "refund")
# A likes round (its ballots are the members' likes among the candidates) allocates proportionally
# unless told otherwise: a neighbourhood that only ever liked problems gets Equal Shares.
LIKES_DEFAULT_RULE = "equalshares/add1"
MAX_TOP_N = 500
MAX_POINTS = 10_000
DEFAULT_POINTS = 10
MAX_TURNOUT = 10_000_000
# Rules that read a ballot's choices only: with points, members' points would be ignored.
APPROVAL_ONLY_RULES = ("phragmen", "exactequalshares/addopt", "exactequalshares/addoptskip")
# The ballot type, k, points and the rule shape the vote: frozen once voting opens.
FROZEN_AT_VOTING = ("ballot", "k", "points", "rule", "top_n")


@dataclass(frozen=True)
class Terms:
    """A round's validated terms."""

    ballot: str
    k: int | None
    points: int | None
    rule: str
    top_n: int
    leftover: str


def choice(data: dict[str, Any], field: str, options: tuple[str, ...]) -> str:
    value = data.get(field)
    if value not in options:
        raise ValidationError(f"{field} must be one of: {', '.join(options)}.", field)
    return str(value)


# A whole-number term in words, for the round form's reader and the API's alike (the field is named too).
TERM_WORDS = {
    "top_n": "The number of candidates (top_n)",
    "k": "The approvals per ballot (k)",
    "points": "The points per member (points)",
    "min_turnout": "The minimum turnout (min_turnout)",
}


def whole(data: dict[str, Any], field: str, minimum: int, maximum: int) -> int:
    value = data.get(field)
    words = TERM_WORDS.get(field, field)
    if value is None:  # found from outside: a missing top_n "must be a whole number"
        raise ValidationError(f"{words} is required: a whole number from {minimum:,} to {maximum:,}.", field)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"{words} must be a whole number.", field)
    if not minimum <= value <= maximum:
        raise ValidationError(f"{words} must be between {minimum:,} and {maximum:,}.", field)
    return value


def parse_terms(data: dict[str, Any], sent: dict[str, Any] | None = None) -> Terms:
    """The terms in `data`; `sent` is what the caller sent (an update merges it into the stored terms)."""
    ballot = choice(data, "ballot", BALLOTS)
    if ballot == "likes":
        _check_likes_terms(data, data if sent is None else sent)
    if ballot == "likes" and data.get("rule") in (None, ""):
        rule = LIKES_DEFAULT_RULE
    else:
        rule = choice(data, "rule", RULES)
    top_n = whole(data, "top_n", 1, MAX_TOP_N)
    k = whole(data, "k", 1, MAX_TOP_N) if ballot == "k-approval" else None
    points = None
    if ballot == "cumulative":
        points = DEFAULT_POINTS if data.get("points") is None else whole(data, "points", 1, MAX_POINTS)
        if rule in APPROVAL_ONLY_RULES:
            # Found from outside: the ballot told members "more points, more weight" and the tally
            # counted each ballot as approvals.
            raise ValidationError(
                f"{rule_words(rule).name} counts which problems a member chose, not their points: with a "
                f"cumulative ballot the points would be ignored. Choose {rule_words('greedy').name} or "
                f"{rule_words('equalshares/add1').name}, which weigh the points, or another ballot.",
                "rule",
            )
    return Terms(ballot, k, points, rule, top_n, choice(data, "leftover", LEFTOVERS))


def _check_likes_terms(data: dict[str, Any], sent: dict[str, Any]) -> None:
    """A likes ballot is an approval ballot of every candidate a member likes: no k, no points."""
    for field, what in (("k", "a most-approvals limit"), ("points", "points")):
        if sent.get(field) not in (None, ""):
            raise ValidationError(
                f"{field} must not be set on a likes ballot: members' likes are their approvals, "
                f"without {what}.",
                field,
            )
    if data.get("voting", True) is False:
        raise ValidationError(
            "A likes ballot needs a voting phase (members add or remove likes until voting closes); "
            "a round without one already counts likes at the tally.",
            "voting",
        )


def parse_name(data: dict[str, Any]) -> str:
    raw = data.get("name")
    required = 'name is required (e.g. "Spring 2027").'
    name = " ".join(clean_text(raw, "name", "name", 1200, required_message=required).split())
    if len(name) > 120:
        raise ValidationError("name must be at most 120 characters.", "name")
    return name


def parse_min_turnout(data: dict[str, Any]) -> int | None:
    if data.get("min_turnout") in (None, ""):
        return None
    if data.get("voting", True) is False:
        raise ValidationError(
            "min_turnout counts ballots: a round without a voting phase cannot have one.", "min_turnout"
        )
    return whole(data, "min_turnout", 1, MAX_TURNOUT)


def create_round(session: DbSession, user: User, data: dict[str, Any]) -> Round:
    group = get_group(session, data.get("group_id"))
    require_runner(session, user, group.id, "create rounds")
    pool_id = pool_id_of(session, group.id)
    if (currency := pool_currency(session, pool_id)) != CITY_CURRENCY:
        # A pool made before pools were held to the city's currency (groups.create_group): its money
        # cannot fund problems whose costs and backings are in the city's.
        raise ValidationError(
            f"This group's pool is in {currency}, and problems' costs are in {CITY_CURRENCY}: it cannot "
            "fund them in a round.",
            "group_id",
        )
    name = parse_name(data)
    terms = parse_terms(data)
    match = parse_match(data)
    if match is not None:
        require_official(user, "add the city's matching money", "match_ratio")
    voting = data.get("voting", True)
    if not isinstance(voting, bool):
        raise ValidationError("voting must be true or false.", "voting")
    opens_at, closes_at = windows.parse_window(data, utcnow())
    min_turnout = parse_min_turnout(data)
    policy = eligibility.parse_policy(data.get("eligibility"))
    new = Round(
        group_id=group.id,
        pool_id=pool_id,
        name=name,
        ballot=terms.ballot,
        k=terms.k,
        points=terms.points,
        rule=terms.rule,
        top_n=terms.top_n,
        leftover=terms.leftover,
        has_voting_phase=voting,
        phase=Phase.DRAFT.value,
        created_by_id=user.id,
        opens_at=opens_at,
        closes_at=closes_at,
        min_turnout=min_turnout,
        eligibility=policy,
    )
    if match is not None:
        new.match_num, new.match_den, new.match_cap_cents = match
    session.add(new)
    session.flush()
    audit.record(
        session,
        user,
        "round.create",
        "round",
        new.id,
        group_id=group.id,
        opens_at=None if opens_at is None else opens_at.isoformat(),
        closes_at=None if closes_at is None else closes_at.isoformat(),
        min_turnout=min_turnout,
        eligibility=policy,
        # The terms that decide money, for an auditor reading the log alone (found from outside: the
        # city's match a round would add was in no entry).
        rule=new.rule,
        ballot=new.ballot,
        leftover=new.leftover,
        match=None if match is None else list(match),
        currency=pool_currency(session, new.pool_id),
    )
    return new


#: What `update_round` may change, as its audit entry names them (who may vote has its own entry).
TERMS = (
    "name",
    "ballot",
    "k",
    "points",
    "rule",
    "top_n",
    "leftover",
    "match_num",
    "match_den",
    "match_cap_cents",
)


def update_round(session: DbSession, user: User, round_id: int, data: dict[str, Any]) -> Round:
    """Change a round's terms: the vote's shape until voting opens, the match until the tally. What
    changed is audited (`round.update`, each term's old and new value); a change to nothing records
    nothing. Found from outside: an official's city match, city money, left no trace."""
    found = get_round(session, round_id)
    require_runner(session, user, found.group_id, "change rounds")
    before = {term: getattr(found, term) for term in TERMS}
    position = PHASE_ORDER.index(found.phase)
    if found.tally_token is not None or position >= PHASE_ORDER.index(Phase.TALLIED):
        raise Conflict("This round has been tallied; its terms can no longer change.", "phase")
    voting_opened = position >= PHASE_ORDER.index(Phase.VOTING) or found.voting_at is not None
    for field in FROZEN_AT_VOTING:
        if field in data and voting_opened and data[field] != getattr(found, field):
            raise Conflict(
                f"{field} cannot change once voting has opened: members are voting under it.", field
            )
    if "eligibility" in data:
        eligibility.change_policy(session, user, round_id, data["eligibility"])
    if "name" in data:
        found.name = parse_name(data)
    if not voting_opened and any(f in data for f in (*FROZEN_AT_VOTING, "leftover")):
        merged = {f: getattr(found, f) for f in (*FROZEN_AT_VOTING, "leftover")} | data
        terms = parse_terms({"voting": found.has_voting_phase, **merged}, sent=data)
        found.ballot, found.k, found.points = terms.ballot, terms.k, terms.points
        found.rule, found.top_n, found.leftover = terms.rule, terms.top_n, terms.leftover
    elif "leftover" in data:
        found.leftover = choice(data, "leftover", LEFTOVERS)
    if "match_ratio" in data or "match_cap_cents" in data:
        require_official(user, "set the city's matching money", "match_ratio")
        match = parse_match(data) or (None, None, None)
        require_match_open(found, match)
        found.match_num, found.match_den, found.match_cap_cents = match
    session.flush()
    changes = {
        term: [before[term], getattr(found, term)] for term in TERMS if getattr(found, term) != before[term]
    }
    if any(term.startswith("match_") for term in changes):  # the match reads as one: ratio and cap
        changes |= {term: [before[term], getattr(found, term)] for term in TERMS if term.startswith("match_")}
    if changes:
        currency = pool_currency(session, found.pool_id)
        audit.record(session, user, "round.update", "round", round_id, changes=changes, currency=currency)
    return found


def next_phase(found: Round) -> str | None:
    order = [p for p in PHASE_ORDER if found.has_voting_phase or p != Phase.VOTING.value]
    position = order.index(found.phase)
    return order[position + 1] if position + 1 < len(order) else None


def advance(session: DbSession, user: User, round_id: int, phase: object) -> Round:
    """Move the round to `phase`, which must be its next one; voting opens with the candidate snapshot."""
    found = get_round(session, round_id)
    require_runner(session, user, found.group_id, "move a round's phase")
    if phase not in PHASE_ORDER:
        raise ValidationError(f"phase must be one of: {', '.join(PHASE_ORDER)}.", "phase")
    target = str(phase)
    current = found.phase
    if PHASE_ORDER.index(target) <= PHASE_ORDER.index(current):
        raise Conflict(
            f"Phases only move forward: this round is already {current}, it cannot go "
            + ("to it again." if target == current else f"back to {target}."),
            "phase",
        )
    if target == Phase.VOTING.value and not found.has_voting_phase:
        raise Conflict("This round has no voting phase: members' likes are its ballots.", "phase")
    if target == Phase.TALLIED.value:
        raise Conflict(f"A round is tallied by POST /api/v1/rounds/{round_id}/tally.", "phase")
    if target == Phase.CLOSED.value and found.result_status != ResultStatus.CERTIFIED.value:
        raise Conflict(
            "A round is closed once a city official has certified its result "
            f"(POST /api/v1/rounds/{round_id}/certification).",
            "phase",
        )
    expected = next_phase(found)
    if target != expected:
        raise Conflict(f"The next phase of this round is {expected}, not {target}.", "phase")
    if current == Phase.DRAFT.value:
        _require_pool_free(session, found)
    if target == Phase.VOTING.value:
        eligibility.require_voters_list(session, found)
        if not candidates.live_ranking(session, found):
            raise Conflict(
                "Voting cannot open: this round has no candidates. A problem becomes one when it is open "
                "and not hidden by moderators, in the group's area, not funded by another round, and a "
                "city official has estimated its cost.",
                "phase",
            )
    # The write comes first and is conditional: a concurrent move or tally makes this one a conflict.
    moved = execute_write(
        session,
        update(Round)
        .where(Round.id == round_id, Round.phase == current)
        .where(Round.tally_token.is_(None) if current != Phase.TALLIED.value else Round.id == round_id)
        .values({"phase": target, f"{target}_at": utcnow()})
        .execution_options(synchronize_session=False),
    ).rowcount
    if not moved:
        raise Conflict("The round changed meanwhile (another phase move or a tally); reload it.", "phase")
    session.refresh(found)
    if target == Phase.VOTING.value:
        candidates.snapshot(session, found)
        eligibility.snapshot_count(session, found)
        announcements.voting_opened(session, found)
    audit.record(session, user, "round.phase", "round", round_id, phase=target, by="hand")
    session.flush()
    return found


def pool_holder(session: DbSession, pool_id: int, other_than: int | None = None) -> Round | None:
    """The round holding the pool: out of draft and not yet done (certified, cancelled or closed).

    A pool runs one round at a time: a tally allocates the whole pool, so a second round pledging or
    voting on it at once would be promised money the first one's certification spends.
    """
    return session.scalars(
        select(Round)
        .where(Round.pool_id == pool_id, Round.id != (other_than or 0))
        .where(
            Round.phase.in_((Phase.PLEDGING.value, Phase.VOTING.value))
            | (
                (Round.phase == Phase.TALLIED.value)
                & (Round.result_status.is_(None) | (Round.result_status != ResultStatus.CERTIFIED.value))
            )
        )
        .order_by(Round.id)
        .limit(1)
    ).first()


def _require_pool_free(session: DbSession, found: Round) -> None:
    """Refuse to take a round out of draft while another round holds its pool (see pool_holder).

    The pool's row is locked first, so two rounds leaving draft at once cannot both see it free.
    """
    lock_pool(session, found.pool_id)
    holder = pool_holder(session, found.pool_id, other_than=found.id)
    if holder is not None:
        state = "has a provisional result" if holder.phase == Phase.TALLIED.value else f"is in {holder.phase}"
        raise Conflict(
            f"The group's pool runs one round at a time: “{holder.name}” {state}. This round can leave "
            "draft once that one's result is certified or it is cancelled.",
            "phase",
        )


def list_rounds(session: DbSession, group_id: int | None = None) -> list[Round]:
    """Newest first; one group's when `group_id` is given."""
    query = select(Round).order_by(Round.created_at.desc(), Round.id.desc())
    if group_id is not None:
        query = query.where(Round.group_id == group_id)
    return list(session.scalars(query))
