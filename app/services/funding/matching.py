"""The city's matching money: a ratio with a cap, applied once per (pool, round)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update

from app.database.sessions import DbSession, execute_write
from app.database.spellings import insert_ignoring_duplicates
from app.models import PoolMatch, User
from app.models.timestamps import utcnow
from app.services.funding import ledger, pledges
from app.services.kernel import audit
from app.services.kernel.errors import Conflict, ValidationError
from budgets.money import NO_CAP_CENTS, format_money, match_base_cents, matched_cents


@dataclass(frozen=True)
class MatchResult:
    match_id: int
    base_cents: int  # the confirmed pledges this match covered (each pledged cent is matched once)
    matched_cents: int  # min(cap, floor(base * num / den))
    created: bool  # False when this (pool, round) had already been matched


def apply_match(
    session: DbSession,
    pool_id: int,
    round_id: int | None,
    ratio_num: int,
    ratio_den: int,
    cap_cents: int,
    official_id: int | None = None,
) -> MatchResult:
    """Match the pool's not-yet-matched confirmed pledges: min(cap, floor(base*num/den)) cents.

    Part B calls this at tally with the round's terms; a second call for the same (pool, round)
    returns the first result (unique key), so concurrent tallies match once. round_id=None is a
    match an official makes by hand from the pool page. Posts a `match` ledger posting when the
    amount is positive. Raises ValidationError (ratio_num / ratio_den / cap_cents) on bad terms; a
    hand match that would add nothing is refused (409 on pool_id when every confirmed pledge is
    matched already, 422 on ratio_num when the ratio rounds the rest down to nothing).
    """
    num, den, cap = _check_terms(ratio_num, ratio_den, cap_cents)
    values = {
        "pool_id": pool_id,
        "round_id": round_id,
        "ratio_num": num,
        "ratio_den": den,
        "cap_cents": cap,
        "created_by_id": official_id,
        "created_at": utcnow(),
    }
    currency = pledges.get_pool(session, pool_id).currency
    # The write comes first: the unique (pool, round) key makes a second tally's match a no-op.
    inserted = execute_write(session, insert_ignoring_duplicates(session, PoolMatch, **values)).rowcount
    if round_id is not None and not inserted:
        earlier = session.scalars(
            select(PoolMatch).where(PoolMatch.pool_id == pool_id, PoolMatch.round_id == round_id)
        ).one()
        return MatchResult(earlier.id, earlier.base_cents, earlier.matched_cents, False)
    match_id = session.scalar(
        select(func.max(PoolMatch.id)).where(
            PoolMatch.pool_id == pool_id,
            PoolMatch.round_id.is_(None) if round_id is None else PoolMatch.round_id == round_id,
        )
    )
    assert match_id is not None  # the row written above, in this transaction
    ledger.lock_pool(session, pool_id)
    confirmed = ledger.pool_balance(session, pool_id).confirmed_cents
    base = match_base_cents(confirmed, covered_cents(session, pool_id, besides=match_id))
    matched = matched_cents(base, num, den, cap)
    if round_id is None and not matched:  # a hand match of nothing would only leave an empty row
        if not base:
            raise Conflict(
                "Every confirmed pledge of this pool is matched already: there is nothing new to match.",
                "pool_id",
            )
        raise ValidationError(
            f"The ratio {num}:{den} of the {format_money(base, currency)} not matched before rounds "
            "down to nothing: raise the ratio.",
            "ratio_num",
        )
    session.execute(
        update(PoolMatch)
        .where(PoolMatch.id == match_id)
        .values(base_cents=base, matched_cents=matched)
        .execution_options(synchronize_session=False)
    )
    if matched:
        memo = match_memo(num, den, cap, currency)
        lines = [(ledger.CITY_MATCH, -matched), (ledger.available_account(pool_id), matched)]
        ledger.post(session, ledger.PostingKind.MATCH, memo, lines, pool_id, round_id)
    return MatchResult(int(match_id), base, matched, True)


def hand_match(
    session: DbSession, official: User, pool_id: int, ratio_num: int, ratio_den: int, cap_cents: int
) -> MatchResult:
    """An official's match by hand from the treasurer page (`apply_match` without a round), audited."""
    result = apply_match(session, pool_id, None, ratio_num, ratio_den, cap_cents, official.id)
    audit.record(
        session,
        official,
        "pool.match",
        "pool",
        pool_id,
        ratio=f"{ratio_num}:{ratio_den}",
        cap_cents=cap_cents,
        base_cents=result.base_cents,
        amount_cents=result.matched_cents,
        currency=pledges.get_pool(session, pool_id).currency,
    )
    session.flush()
    return result


def match_memo(num: int, den: int, cap_cents: int, currency: str) -> str:
    """The match posting's description as residents read it on the pool's ledger (money, not cents);
    the statement adds its round by name, as for allocations."""
    cap = "" if cap_cents >= NO_CAP_CENTS else f" (up to {format_money(cap_cents, currency)})"
    return f"City match {num}:{den}{cap}"


def unmatched_cents(session: DbSession, pool_id: int, confirmed_cents: int) -> int:
    """The confirmed pledges no match has covered yet: what the next match covers."""
    return match_base_cents(confirmed_cents, covered_cents(session, pool_id))


def covered_cents(session: DbSession, pool_id: int, besides: int | None = None) -> int:
    """The pledged cents the pool's matches have covered so far (the match `besides` left out)."""
    query = select(func.coalesce(func.sum(PoolMatch.base_cents), 0)).where(PoolMatch.pool_id == pool_id)
    if besides is not None:
        query = query.where(PoolMatch.id != besides)
    return int(session.scalar(query) or 0)


def _check_terms(ratio_num: object, ratio_den: object, cap_cents: object) -> tuple[int, int, int]:
    checked: list[int] = []
    for name, value in (("ratio_num", ratio_num), ("ratio_den", ratio_den), ("cap_cents", cap_cents)):
        if type(value) is not int:
            raise ValidationError(f"{name} must be a whole number, not {value!r}.", name)
        if value < 1:
            raise ValidationError(f"{name} must be at least 1.", name)
        checked.append(value)
    ratio_num, ratio_den, cap_cents = checked
    if ratio_num > 100 * ratio_den:
        raise ValidationError("The ratio may be at most 100:1.", "ratio_num")
    return ratio_num, ratio_den, cap_cents


def matches(session: DbSession, pool_id: int) -> list[PoolMatch]:
    query = select(PoolMatch).where(PoolMatch.pool_id == pool_id).order_by(PoolMatch.id)
    return list(session.scalars(query))
