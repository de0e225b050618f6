"""Certifying a round's provisional result: the only step that moves money and plans the work.

A tally leaves a provisional result (tally.py). A city official (role official or admin) either
certifies it or sends it back with a reason. Certification is one transaction whose first write is a
conditional UPDATE from provisional to certified (write-first, so of two concurrent certifications one
gets the row and the other a 409 after it, on both engines); it then applies the city match, checks
the pool still holds the budget the tally used, posts the allocation and the leftover, moves the
funded problems to "planned" in the official's name (followers are notified by the workflow's events),
commits residents' backings held for those problems (backing_settlement.settle_issue) and records the
audit entry. Any failure rolls it all back and the result stays provisional.

Sending back (also write-first, from provisional) returns the round to the phase its tally closes,
with voting still closed, the candidates' outcomes cleared and the reason kept, so it can be tallied
again.
"""

from __future__ import annotations

from sqlalchemy import select, update

from app.database.sessions import DbSession, execute_write
from app.models import Pool, Round, RoundCandidate, User
from app.models.rounds import Phase, ResultStatus
from app.models.timestamps import utcnow
from app.services.funding import ledger, matching, pool_refund_mail
from app.services.funding.backing_settlement import settle_issue
from app.services.issues import money_mail
from app.services.kernel import audit
from app.services.kernel.errors import Conflict
from app.services.kernel.text import clean_reason
from app.services.rounds import announcements, candidates, posting
from app.services.rounds.access import get_round, require_official
from budgets.money import format_money

MAX_REASON = 1000


def _not_provisional(found: Round, action: str) -> Conflict:
    if found.result_status == ResultStatus.CERTIFIED.value:
        # Found from outside: "it cannot be sent back again" of a result that was never sent back.
        then = "again" if action == "certified" else "now"
        return Conflict(f"This round's result is already certified; it cannot be {action} {then}.", "phase")
    if found.result_status == ResultStatus.CANCELLED.value:
        return Conflict("This round was cancelled: it has no result.", "phase")
    return Conflict(
        f"Only a provisional result can be {action}: this round has not been tallied yet.", "phase"
    )


def funded_of(session: DbSession, round_id: int) -> list[tuple[int, int]]:
    """The provisional result's funded issues and amounts, in candidate order."""
    rows = session.execute(
        select(RoundCandidate.issue_id, RoundCandidate.amount_cents)
        .where(RoundCandidate.round_id == round_id, RoundCandidate.funded.is_(True))
        .order_by(RoundCandidate.position)
    ).tuples()
    return [(int(issue_id), int(cents or 0)) for issue_id, cents in rows]


def certify(session: DbSession, user: User, round_id: int) -> Round:
    """Certify the provisional result: match, allocation, leftover, planned issues, audit; one transaction."""
    found = get_round(session, round_id)
    require_official(user, "certify a round's result")
    now = utcnow()
    taken = execute_write(
        session,
        update(Round)
        .where(
            Round.id == round_id,
            Round.phase == Phase.TALLIED.value,
            Round.result_status == ResultStatus.PROVISIONAL.value,
        )
        .values(result_status=ResultStatus.CERTIFIED.value, certified_at=now, certified_by_id=user.id)
        .execution_options(synchronize_session=False),
    ).rowcount
    session.refresh(found)
    if not taken:
        raise _not_provisional(found, "certified")
    currency = session.scalar(select(Pool.currency).where(Pool.id == found.pool_id))
    matched = 0
    if found.match_num and found.match_den and found.match_cap_cents is not None:
        matched = matching.apply_match(
            session, found.pool_id, found.id, found.match_num, found.match_den, found.match_cap_cents, user.id
        ).matched_cents
        if matched != (found.match_cents or 0):
            raise Conflict(
                f"The city match would now be {format_money(matched, currency)}, not the "
                f"{format_money(found.match_cents or 0, currency)} the tally used: send the result back "
                "and tally again.",
                "budget_cents",
            )
    budget = ledger.pool_balance(session, found.pool_id).balance_cents
    if budget != found.budget_cents:
        # The match just added is rolled back with this refusal: the pool holds the rest (found from
        # outside: the sentence gave the sum with the match as what the pool held).
        holds = f"The pool holds {format_money(budget, currency)} now"
        if matched:
            holds = (
                f"The pool holds {format_money(budget - matched, currency)} now and the city's match adds "
                f"{format_money(matched, currency)}: {format_money(budget, currency)}"
            )
        raise Conflict(
            f"{holds}, not the {format_money(found.budget_cents or 0, currency)} "
            "the tally allocated (money reached the pool since: a pledge confirmed, or a match added by "
            "hand): send the result back and tally again.",
            "budget_cents",
        )
    funded = funded_of(session, round_id)
    gone = candidates.withdrawn(session, [issue_id for issue_id, _ in funded])
    if gone:
        said = "; ".join(f"#{issue_id} was {why}" for issue_id, why in sorted(gone.items()))
        raise Conflict(
            f"The result funds a problem no longer on offer since the tally ({said}): send the result back "
            "and tally again, which leaves it out.",
            "round_id",
        )
    ledger.post_allocation(session, found.pool_id, found.id, funded)
    leftover = budget - sum(cents for _, cents in funded)
    if found.leftover == "refund":
        refund = ledger.post_refunds(session, found.pool_id, found.id, leftover)
        if refund is not None:
            pool_refund_mail.mail_refund_parts(session, refund, found)
    else:
        ledger.post_rollover(session, found.pool_id, found.id, leftover)
    posting.plan_funded(session, user, found, funded)
    for issue_id, cents in funded:  # residents' backings of a problem the round funds are committed too
        settle_issue(session, issue_id, now, funded=True)
        if cents:
            money_mail.notify_funded(session, issue_id, user.id)
    audit.record(
        session,
        user,
        "round.certify",
        "round",
        round_id,
        spent_cents=budget - leftover,
        leftover_cents=leftover,
        leftover_to=found.leftover,  # refund (to the pledgers) or rollover (kept for the next round)
        matched_cents=matched,
        funded=[issue_id for issue_id, _ in funded],
        currency=currency,
    )
    announcements.result_certified(session, found, funded, currency or "EUR")
    session.flush()
    session.refresh(found)
    return found


def parse_reason(raw: object) -> str:
    """The reason on one line (it is quoted in the round's history and mails)."""
    flat = " ".join(raw.split()) if isinstance(raw, str) else raw
    return clean_reason(flat, MAX_REASON, "tell the group why the result goes back")


def send_back(session: DbSession, user: User, round_id: int, reason: object) -> Round:
    """Send the provisional result back with a reason: the round can be tallied again; no money moved."""
    found = get_round(session, round_id)
    require_official(user, "send a round's result back")
    text = parse_reason(reason)
    closing = Phase.VOTING.value if found.has_voting_phase else Phase.PLEDGING.value
    now = utcnow()
    returned = execute_write(
        session,
        update(Round)
        .where(
            Round.id == round_id,
            Round.phase == Phase.TALLIED.value,
            Round.result_status == ResultStatus.PROVISIONAL.value,
        )
        .values(
            phase=closing,
            result_status=None,
            tally_token=None,
            tally_lease_expires_at=None,
            tallied_at=None,
            sent_back_at=now,
            official_note=text,
        )
        .execution_options(synchronize_session=False),
    ).rowcount
    session.refresh(found)
    if not returned:
        raise _not_provisional(found, "sent back")
    session.execute(
        update(RoundCandidate)
        .where(RoundCandidate.round_id == round_id)
        .values(funded=None, amount_cents=None, score=None, explanation=None, details=None)
        .execution_options(synchronize_session=False)
    )
    audit.record(session, user, "round.send_back", "round", round_id, reason=text)
    session.flush()
    return found
