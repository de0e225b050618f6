"""A round's money before its tally: the pool's balance plus the city match the tally would add."""

from __future__ import annotations

from dataclasses import dataclass

from app.database.sessions import DbSession
from app.models import Round
from app.services.funding import ledger, matching
from budgets.money import matched_cents


@dataclass(frozen=True)
class MoneyPreview:
    pool_cents: int  # what the pool holds now
    match_cents: int  # what the round's match would add at the tally (0 without a match)

    @property
    def budget_cents(self) -> int:
        return self.pool_cents + self.match_cents


def preview(session: DbSession, found: Round) -> MoneyPreview:
    """The budget a tally would have now (the knapsack limit of ballots and the ballot page's figure).

    Pledges are matched once: the base is the confirmed pledges no earlier match covered.
    """
    figures = ledger.pool_balance(session, found.pool_id)
    match = 0
    if found.match_num and found.match_den and found.match_cap_cents is not None:
        base = matching.unmatched_cents(session, found.pool_id, figures.confirmed_cents)
        match = matched_cents(base, found.match_num, found.match_den, found.match_cap_cents)
    return MoneyPreview(figures.balance_cents, match)
