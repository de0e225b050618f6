"""The city's match of one problem in one sentence, with the figures the sentence speaks of."""

from __future__ import annotations

from dataclasses import dataclass, replace

from app.database.sessions import DbSession
from app.models import Issue
from app.services.funding import backings, quadratic_match
from app.services.funding.quadratic_match import PeriodStanding, ProblemMatch
from app.services.kernel.city_time import day_words, in_city
from app.services.kernel.errors import NotFound
from budgets.money import format_money

KINDS = ("none", "one", "matched", "capped", "shared", "empty")


@dataclass(frozen=True)
class MatchSentence:
    """`kind`: none (no backer yet), one (fewer than two backers count: no match), matched, capped
    (the per-problem cap holds it), shared (the fund is short and shared), empty (no fund left)."""

    text: str
    kind: str
    period_id: int | None
    closed: bool
    backers: int
    counted: int
    backed_cents: int
    match_cents: int
    ideal_cents: int
    returned: bool = False  # the campaign ended unfunded: the posted match went back to the city


def neighbours(count: int) -> str:
    return "1 neighbour" if count == 1 else f"{count:,} neighbours"


def explain(
    problem: ProblemMatch | None, period: PeriodStanding, currency: str, *, funded: bool = False
) -> MatchSentence:
    """The sentence for the problem page and the API: who backed it and what the city adds, and why.
    `funded`: the problem is funded already, so no more backers are asked for."""
    closed = period.closed_at is not None
    if problem is None or problem.backers == 0:
        text = (
            "Nobody backed this in the matching period; the city added nothing."
            if closed
            else "Nobody has backed this yet; the city's match grows with every neighbour who backs it."
        )
        return MatchSentence(text, "none", period.period_id, closed, 0, 0, 0, 0, 0)
    who = f"{neighbours(problem.backers)} backed this"
    if problem.counted < problem.backers:
        left_out = problem.backers - problem.counted
        who += (
            f" ({left_out:,} of them {'does' if left_out == 1 else 'do'} not count for the match: "
            "only confirmed, unblocked accounts opened before the period count)"
        )
    amount = format_money(problem.match_cents, currency)
    adds = f"the city added {amount}" if closed else f"the city adds {amount}"
    ideal = round(problem.ideal_cents)
    if problem.counted < 2:
        kind = "one"
        if funded and not closed:
            # Found from outside: a funded problem, no longer open to backing, asked for more backers.
            tail = "it was funded before a match was due, so the city adds none"
        elif closed:
            tail = "the city added no match: a match needs two or more neighbours who count"
        else:
            tail = "the city adds a match once two or more neighbours who count back it"
    elif problem.match_cents == 0 and (problem.filled or not period.fund_short):
        # The fund had money: the cost needed none of it (found from outside: a problem its backers
        # covered read "the city's fund has nothing left" with most of the fund unused).
        kind = "covered"
        tail = (
            "the city added nothing: its backers had covered the whole cost"
            if closed
            else "the city adds nothing: its backers cover the whole cost"
        )
    elif problem.match_cents == 0:
        kind = "empty"
        tail = (
            "the city's matching fund had nothing left for it"
            if closed
            else "the city's fund has nothing left"
        )
    elif problem.capped and problem.match_cents >= period.problem_cap_cents:
        kind = "capped"
        tail = (
            f"{adds}, the most one problem can get in this period (many small gifts would have "
            f"earned {format_money(ideal, currency)})"
        )
    elif problem.filled:
        kind = "matched"
        needs = "what its cost still needed" if closed else "what its cost still needs"
        tail = f"{adds}, {needs}: the city tops a campaign up to its cost, never past it"
    elif period.fund_short:
        kind = "shared"
        tail = (
            f"{adds} because many people gave a little; more was asked of the fund than it holds, "
            "so every problem gets its share"
        )
    else:
        kind = "matched"
        tail = f"{adds} because many people gave a little"
    if closed and period.closed_at is not None and kind in ("matched", "capped", "shared"):
        tail += f" (posted when the period closed on {day_words(in_city(period.closed_at).date())})"
    return MatchSentence(
        f"{who}; {tail}.",
        kind,
        period.period_id,
        closed,
        problem.backers,
        problem.counted,
        problem.backed_cents,
        problem.match_cents,
        ideal,
    )


def explain_period(session: DbSession, period: PeriodStanding, currency: str) -> dict[int, MatchSentence]:
    """Each problem's sentence on the period's page and in its JSON, funded ones said so."""
    funded = backings.funded_among(session, [p.issue_id for p in period.problems])
    return {
        p.issue_id: _gone_back(session, p.issue_id, explain(p, period, currency, funded=p.issue_id in funded))
        for p in period.problems
    }


def _gone_back(session: DbSession, issue_id: int, said: MatchSentence) -> MatchSentence:
    """The sentence, saying so where the campaign ended unfunded (closed, merged, or past its deadline)
    and the posted match went back to the city (found from outside: the period's page still said "the
    city added" it, and counted it as matched)."""
    if said.closed and said.match_cents and backings.escrow_match_cents(session, issue_id) < said.match_cents:
        text = f"{said.text[:-1]}; it went back to the city when the campaign ended unfunded."
        return replace(said, text=text, returned=True)
    return said


def sentence_of_issue(session: DbSession, issue_id: int, currency: str) -> MatchSentence:
    """The sentence of a shown problem in its latest matching period (or that it has none yet)."""
    found = session.get(Issue, issue_id)
    if found is None or found.is_hidden:
        raise NotFound(f"There is no issue {issue_id}.", "issue_id")
    period_id = quadratic_match.current_period_of(session, issue_id)
    if period_id is None:
        text = "Nobody has backed this in a matching period yet; the city matches backings while one runs."
        return MatchSentence(text, "none", None, False, 0, 0, 0, 0, 0)
    period = quadratic_match.standing(session, period_id)
    said = explain(period.problem(issue_id), period, currency, funded=backings.is_funded(session, issue_id))
    return _gone_back(session, issue_id, said)
