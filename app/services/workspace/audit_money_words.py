"""The audit log in words for money and rounds: pledges, backings, payouts, rounds and matching periods.

app/services/workspace/audit_words.py merges these renderers and filter labels into its own.
"""

from __future__ import annotations

from datetime import datetime

from app.services.kernel.city_time import city_time
from app.services.workspace.audit_phrases import Facts, Names, Renderer, amount, ids, named, reason, short
from budgets.accounts import CITY_MATCH
from budgets.allocation import counted
from budgets.money import NO_CAP_CENTS, format_cents, format_money


def _fund(f: Facts, _n: Names) -> str:
    return f"funded #{f.target_id} with {amount(f)} in {named(_n, 'round', f.details.get('round_id'))}"


def _funded(f: Facts) -> str:
    funded = f.details.get("funded") or []
    return f"{counted(len(funded), 'problem')}" + (f" ({ids(funded)})" if funded else "")


def _payout(f: Facts, _n: Names) -> str:
    d = f.details
    kinds = {"contractor": "contractor", "department": "city department"}
    kind = kinds.get(str(d.get("payee_kind")), "payee")
    return (
        f"recorded a payout of {amount(f)} on #{f.target_id} to {short(d['payee_name'])} ({kind}),"
        f" invoice {short(d['invoice_ref'])}, paid on {d['paid_on']}"
    )


def _tally(f: Facts, _n: Names) -> str:
    d = f.details
    return (
        f"tallied {named(_n, 'round', f.target_id)} from {counted(int(d['ballots']), 'ballot')}:"
        " a provisional result"
        f" spending {amount(f, 'spent_cents')} of {amount(f, 'budget_cents')} on {_funded(f)}"
    )


def _certify(f: Facts, _n: Names) -> str:
    """Where the money went, and the city's part in it (found from outside: the line said neither where
    unspent money went nor what the city's match added)."""
    to = {"refund": ", refunded to the pool's pledgers", "rollover": ", kept for the group's next round"}
    matched = f.details.get("matched_cents")
    return (
        f"certified the result of {named(_n, 'round', f.target_id)}:"
        f" {amount(f, 'spent_cents')} to {_funded(f)},"
        f" {amount(f, 'leftover_cents')} not spent{to.get(str(f.details.get('leftover_to')), '')}"
        + (
            f"; the city's match added {amount(f, 'matched_cents')}"
            if isinstance(matched, int) and matched
            else ""
        )
    )


def _round_create(f: Facts, _n: Names) -> str:
    """The round and, where recorded, the terms that decide its money."""
    d = f.details
    said = f"created {named(_n, 'round', f.target_id)} in {named(_n, 'group', d['group_id'])}"
    if "rule" not in d:  # entries made before the terms were recorded
        return said
    currency = d.get("currency") if isinstance(d.get("currency"), str) else None
    match = d.get("match")
    terms = [
        f"rule {d['rule']}",
        f"{d.get('ballot')} ballot",
        "money not spent "
        + ("refunded to the pledgers" if d.get("leftover") == "refund" else "kept for the next round"),
        "no city match" if not match else f"city match {_match(tuple(match), currency)}",
    ]
    return f"{said}: " + ", ".join(terms)


#: How a round's terms read in its `round.update` entry (the match reads as one).
TERM_WORDS = {
    "name": "name",
    "ballot": "ballot",
    "k": "picks per ballot",
    "points": "points per ballot",
    "rule": "rule",
    "top_n": "candidates on the ballot",
    "leftover": "money not spent",
}


def _match(terms: tuple[object, ...], currency: str | None) -> str:
    """A match as (ratio numerator, denominator, cap in cents) in words: "1:1 up to EUR 50.00"."""
    num, den, cap = terms
    if num is None:
        return "none"
    if not isinstance(cap, int) or cap == NO_CAP_CENTS:
        return f"{num}:{den}"
    return f"{num}:{den} up to {format_money(cap, currency)}"


def _round_update(f: Facts, _n: Names) -> str:
    changes = f.details.get("changes") or {}
    currency = f.details.get("currency") if isinstance(f.details.get("currency"), str) else None
    said = [
        f"{TERM_WORDS[t]} {'none' if old is None else old} → {'none' if new is None else new}"
        for t, (old, new) in changes.items()
        if t in TERM_WORDS
    ]
    if "match_num" in changes:  # update_round records the match's three terms together
        was, now = zip(*(changes[t] for t in ("match_num", "match_den", "match_cap_cents")), strict=True)
        said.append(f"city match {_match(was, currency)} → {_match(now, currency)}")
    return f"changed {named(_n, 'round', f.target_id)}: " + "; ".join(said)


def _voting_close(f: Facts, _n: Names) -> str:
    ballots = f.details.get("ballots")
    after = f" after {counted(int(ballots), 'ballot')}" if ballots is not None else ""
    return f"closed voting in {named(_n, 'round', f.target_id)}{after}"


def _estimate(f: Facts, _n: Names) -> str:
    had = isinstance(f.details.get("previous_cents"), int)
    was = f" (was {amount(f, 'previous_cents')})" if had else " (it had none)"
    return f"set the cost estimate of #{f.target_id} to {amount(f)}{was}"


def _backing(verb: str) -> Renderer:
    def render(f: Facts, _n: Names) -> str:
        d = f.details
        return f"{verb} backing {d.get('reference') or f.target_id} of {amount(f)} for #{d['issue_id']}"

    return render


# A matching period's terms in its `matching_period.update` entry (found from outside: "did “Matching
# period changed” on matching_period 2 (before area_id 1; after area_id None)").
PERIOD_TERMS = {
    "name": "name",
    "area_id": "neighbourhood",
    "opens_at": "opening",
    "closes_at": "closing",
    "fund_cents": "fund",
    "problem_cap_cents": "most per problem",
    "backer_cap_cents": "most per resident",
}


def _period_term(term: str, value: object) -> str:
    if value is None:
        return "city-wide" if term == "area_id" else "none"
    if term.endswith("_cents") and isinstance(value, int):
        return format_cents(value)
    if term.endswith("_at") and isinstance(value, str):
        try:
            return city_time(datetime.fromisoformat(value.removesuffix("Z")))
        except ValueError:
            return value
    if term == "area_id":
        return f"area {value}"
    return f"“{short(value)}”" if term == "name" else str(value)


def _period_update(f: Facts, _n: Names) -> str:
    before, after = f.details.get("before") or {}, f.details.get("after") or {}
    said = [
        f"{PERIOD_TERMS.get(term, term)} {_period_term(term, before.get(term))} → {_period_term(term, value)}"
        for term, value in after.items()
    ]
    return f"changed {named(_n, 'matching_period', f.target_id)}: " + "; ".join(said)


# Why the campaign's rule ended a problem's backings (backing_settlement's reasons).
ENDED_BECAUSE = {
    "closed": "the problem was closed or merged",
    "deadline": "its campaign ended short of its cost",
    "funded": "the problem was funded",
}


def _unback(f: Facts, _n: Names) -> str:
    d = f.details
    city = (
        f", {amount(f, 'city_cents')} of it the city's match back to the city" if d.get("city_cents") else ""
    )
    because = ENDED_BECAUSE.get(str(d.get("reason")), str(d.get("reason")))
    return f"returned the {amount(f, 'escrow_cents')} held for #{f.target_id} to its backers{city}: {because}"


def _cancel_pending(f: Facts, _n: Names) -> str:
    d = f.details
    waiting = counted(len(d.get("backings") or []), "backing")
    because = ENDED_BECAUSE.get(str(d.get("reason")), str(d.get("reason")))
    return f"cancelled {waiting} on #{f.target_id} still waiting for the cashier: {because}"


MONEY_RENDERERS: dict[str, Renderer] = {
    "backing.commit": lambda f, _n: (
        f"committed the {amount(f, 'escrow_cents')} held for #{f.target_id} to its fix"
        f" ({counted(int(f.details.get('backings') or 0), 'backing')}): fully backed"
    ),
    "backing.unback": _unback,
    "backing.paid_back": lambda f, _n: (
        f"marked backing {f.details.get('reference') or f.target_id} of {amount(f)}"
        f" for #{f.details.get('issue_id')}"
        + (" handed to the group's treasurer" if f.details.get("moved") else " paid back to its resident")
    ),
    "backing.cancel_pending": _cancel_pending,
    "round.remind": lambda f, _n: (
        f"reminded members of {named(_n, 'round', f.target_id)} that voting closes soon"
        f" ({counted(int(f.details.get('mails') or 0), 'mail')})"
    ),
    "round.fund": _fund,
    "pledge.confirm": lambda f, _n: (
        f"confirmed pledge {f.target_id} of {amount(f)} to {named(_n, 'pool', f.details.get('pool_id'))}:"
        " its money arrived"
    ),
    "pool.match": lambda f, _n: (
        f"added the city's match by hand to {named(_n, 'pool', f.target_id)}: {amount(f)} for "
        f"{amount(f, 'base_cents')} of pledges not matched before (ratio {f.details.get('ratio')})"
    ),
    "pool.refund_handed_back": lambda f, _n: (
        f"marked {amount(f)} of a refund of {named(_n, 'pool', f.target_id)} handed back to "
        + ("the city" if f.details.get("account") == CITY_MATCH else "its pledger")
    ),
    "pool.open": lambda f, _n: f"opened {named(_n, 'pool', f.target_id)} to pledges",
    "pool.close": lambda f, _n: f"closed {named(_n, 'pool', f.target_id)} to new pledges",
    "pool.payment_details": lambda f, _n: (
        f"changed where residents pay {named(_n, 'pool', f.target_id)} to “{f.details.get('details')}”"
        if f.details.get("details")
        else f"cleared where residents pay {named(_n, 'pool', f.target_id)}"
    ),
    "pledge.decline": lambda f, _n: (
        f"declined pledge {f.target_id} of {amount(f)} to {named(_n, 'pool', f.details.get('pool_id'))}: "
        "its money never arrived"
    ),
    "pledge.withdraw": lambda f, _n: (
        f"withdrew their pledge {f.target_id} of {amount(f)} to"
        f" {named(_n, 'pool', f.details.get('pool_id'))} before its money was confirmed"
    ),
    "issue.estimate": _estimate,
    "issue.payout": _payout,
    "issue.return": lambda f, _n: (
        f"returned the {amount(f)} not paid out on #{f.target_id} to where the money came from"
    ),
    "backing.confirm": _backing("confirmed"),
    "backing.cancel": _backing("cancelled"),
    "backing.withdraw": _backing("withdrew their"),
    "round.create": _round_create,
    "round.update": _round_update,
    "round.phase": lambda f, _n: (
        f"closed {named(_n, 'round', f.target_id)}"
        if f.details["phase"] == "closed"
        else f"moved {named(_n, 'round', f.target_id)} to its {f.details['phase']} phase"
    ),
    "round.voting_close": _voting_close,
    "round.tally": _tally,
    "round.certify": _certify,
    "round.send_back": lambda f, _n: (
        f"sent the result of {named(_n, 'round', f.target_id)} back" + reason(f.details.get("reason"))
    ),
    "round.cancel": lambda f, _n: (
        f"cancelled {named(_n, 'round', f.target_id)}" + reason(f.details.get("reason"))
    ),
    "round.release": lambda f, _n: (
        f"released the tally of {named(_n, 'round', f.target_id)} with"
        f" {counted(int(f.details['ballots']), 'ballot')} cast, below its minimum turnout"
    ),
    "matching_period.create": lambda f, _n: (
        f"created the matching period {short(f.details['name'])} with a fund of {amount(f, 'fund_cents')}"
    ),
    "matching_period.close": lambda f, _n: (
        f"closed {named(_n, 'matching_period', f.target_id)}"
        + (
            f": the city's fund matched {amount(f, 'matched_cents')} to"
            f" {counted(int(f.details.get('problems') or 0), 'problem')}"
            if isinstance(f.details.get("matched_cents"), int)
            else ""
        )
    ),
    "matching_period.update": _period_update,
}

# What the action filter calls each code.
MONEY_LABELS: dict[str, str] = {
    "round.fund": "Problem funded",
    "round.eligibility": "Who may vote changed",
    "round.code_batch": "Voting codes generated",
    "round.code_use": "Voting code used online",
    "round.paper_entry": "Paper ballot entered",
    "round.paper_void": "Paper ballot voided",
    "pledge.confirm": "Pledge confirmed",
    "pool.match": "City match added by hand",
    "pool.refund_handed_back": "Refund part handed back",
    "pool.open": "Pool opened",
    "pool.close": "Pool closed",
    "pool.payment_details": "Pool's payment details changed",
    "pledge.decline": "Pledge declined",
    "pledge.withdraw": "Pledge withdrawn by its pledger",
    "issue.estimate": "Cost estimated",
    "issue.payout": "Payout recorded",
    "issue.return": "Remainder returned",
    "backing.confirm": "Backing confirmed",
    "backing.cancel": "Backing cancelled",
    "backing.withdraw": "Backing withdrawn by its backer",
    "backing.commit": "Backings committed to the fix",
    "backing.unback": "Backings returned",
    "backing.paid_back": "Backing paid back",
    "backing.cancel_pending": "Waiting backings cancelled",
    "round.remind": "Voting reminder sent",
    "round.create": "Round created",
    "round.update": "Round's terms changed",
    "round.phase": "Round phase changed",
    "round.voting_close": "Voting closed",
    "round.tally": "Round tallied",
    "round.certify": "Result certified",
    "round.send_back": "Result sent back",
    "round.cancel": "Round cancelled",
    "round.release": "Tally released",
    "matching_period.create": "Matching period created",
    "matching_period.update": "Matching period changed",
    "matching_period.close": "Matching period closed",
}
