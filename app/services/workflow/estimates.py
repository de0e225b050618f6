"""Cost estimates: an official's price (integer cents) that makes an open issue a funding candidate."""

from __future__ import annotations

from sqlalchemy import select, update

from app.database.sessions import DbSession, execute_write
from app.models import Issue, User
from app.services.issues.money import money_of
from app.services.kernel import audit
from app.services.kernel.errors import Conflict, NotFound, ValidationError
from app.services.kernel.parsing import is_whole_number
from app.services.kernel.roles import require_staff
from app.services.workflow.deciding_rounds import deciding_rounds
from budgets.money import format_money

# 100 million in minor units: far above any neighbourhood fix, far below integer limits.
MAX_ESTIMATE_CENTS = 10_000_000_000


def parse_cents(value: object, field: str = "cost_cents", maximum: int = MAX_ESTIMATE_CENTS) -> int:
    """A positive whole number of cents; strings of digits are accepted (form input)."""
    if isinstance(value, str) and is_whole_number(value.strip()):
        value = int(value.strip()) if len(value.strip()) <= 20 else maximum + 1
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"{field} must be a whole number of cents (e.g. 125000 for 1,250.00).", field)
    if value <= 0:
        raise ValidationError(f"{field} must be more than zero.", field)
    if value > maximum:
        raise ValidationError(f"{field} must be at most {maximum} cents.", field)
    return value


def set_estimate(session: DbSession, user: User, issue_id: int, cost_cents: object) -> int:
    """Record the cost estimate of an issue (officials and admins); returns the cents stored.

    Not once the problem is funded: its money was committed at the estimate, and a new one would
    change what the ledger, the backers' receipts and a round's result said it costs (409). Nor while a
    round that is voting, or whose result is provisional, lists it: its voters decided on the listed
    cost, which its result funds (409). Nor on a duplicate merged into another problem: rounds and
    backers fund the original (409).
    """
    require_staff(user, "Only officials can estimate what fixing a problem costs.")
    cents = parse_cents(cost_cents)
    money = money_of(session, issue_id)
    if money.funded:
        committed = format_money(money.committed_cents, money.currency)
        raise Conflict(
            f"Problem #{issue_id} is funded: {committed} is committed to its fix, so its estimate no "
            "longer changes. Record the payouts, or return what the fix did not cost.",
            "cost_cents",
        )
    merged_into = session.scalar(select(Issue.duplicate_of_id).where(Issue.id == issue_id))
    if merged_into is not None:  # found from outside: a merged duplicate took an estimate nothing used
        raise Conflict(
            f"Problem #{issue_id} was merged into problem #{merged_into}: estimate that one.", "cost_cents"
        )
    deciding = deciding_rounds(session, issue_id)
    if deciding:  # found from outside: a result funded the listed cost, and the funded estimate then locked
        names = ", ".join(f"\u201c{name}\u201d" for name in deciding)
        raise Conflict(
            f"Problem #{issue_id} is on the list of the round {names} at the cost its voters decided on: "
            "its estimate changes once that result is certified or the round is cancelled.",
            "cost_cents",
        )
    previous = estimate_of(session, issue_id)
    changed = execute_write(
        session, update(Issue).where(Issue.id == issue_id).values(cost_estimate_cents=cents)
    ).rowcount
    if not changed:
        raise NotFound(f"There is no issue {issue_id}.", "issue_id")
    if previous != cents:  # what backers and a round's candidates are told it costs: on the record
        audit.record(
            session,
            user,
            "issue.estimate",
            "issue",
            issue_id,
            amount_cents=cents,
            previous_cents=previous,
            currency=money.currency,
        )
    return cents


def estimate_of(session: DbSession, issue_id: int) -> int | None:
    return session.scalar(select(Issue.cost_estimate_cents).where(Issue.id == issue_id))
