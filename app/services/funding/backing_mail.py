"""The mail a backer gets when the cashier confirms their payment, and when their backing ends without
paying for the fix: refunded, moved to their area's pool, or cancelled while it waited for the city's
cashier; each ending says why.

Found from outside: a problem the city closed (even as fixed) told its backers it "was not funded",
with no word of the city's act, and a backer still waiting for the cashier (who may have paid by
transfer already) heard nothing when their backing was cancelled.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from app.database.sessions import DbSession
from app.mail import build_message, queue_mail
from app.models import Backing, Group, Issue, Pledge, Pool, Status, User
from app.models.backing import CURRENCY, MOVED_PROVIDER, BackingFallback, BackingStatus
from app.services.funding.payments import TreasurerConfirmed
from app.services.funding.pending_backings import payment_instructions, payment_reference
from app.services.kernel.links import external_url
from budgets.money import format_money

# Why a problem's backings ended, by the settlement's reason ("closed" reads the problem's status).
WHY = {
    "deadline": "Its campaign ended before the backings covered its cost.",
    "funded": "It was funded before the city's cashier confirmed your payment.",
    "cashier": "The city's cashier cancelled it.",
}
SUBJECTS = {
    "pending": "How to pay your backing of “{title}” ({reference})",
    "confirmed": "Your backing of “{title}” arrived",
    "refunded": "“{title}” {ended}: your backing is refunded",
    "moved": "“{title}” {ended}: your backing moved to the pool of {group}",
    "cancelled": "Your backing of “{title}” is cancelled",
    "paid_back": "Your backing of “{title}” is paid back",
    # A moved backing's money handed to the pool's treasurer: nothing is paid back to the backer (found
    # from outside: "is paid back" had them wait for money that was not coming to them).
    "handed": "Your backing of “{title}” is with the treasurer of {group}",
}
LEADS = {
    # Found from outside: the reference and where to pay were shown once, on the page, and never mailed.
    "pending": (
        # The instructions (config's BACKING_PAYMENT_INSTRUCTIONS) say when it counts: not said twice
        # (found from outside).
        "You backed problem #{id} “{title}” with {amount}. {instructions} Until it counts, you can "
        "withdraw it on your account page: {account}"
    ),
    "confirmed": (
        "The city's cashier confirmed your payment of {amount} for problem #{id} “{title}” (reference "
        "{reference}). It is held for the problem: it pays for the fix once the problem is fully backed, "
        "and if the campaign ends short, it {otherwise}."
    ),
    "refunded": "Your backing of {amount} for problem #{id} “{title}” is refunded{to_you}. {why}",
    "moved": (
        "As you asked, your backing of {amount} for problem #{id} “{title}” moved to the pool of "
        "{group}, as your pledge there{handed}. {why}"
    ),
    "paid_back": "The city's cashier {paid} (reference {reference}).",
    "handed": "The city's cashier {paid} (reference {reference}).",
    # Confirmed, and the problem funded with it at once (found from outside: the mail said it would pay
    # for the fix "once the problem is fully backed" in the second the problem was funded).
    "confirmed_funded": (
        "The city's cashier confirmed your payment of {amount} for problem #{id} “{title}” (reference "
        "{reference}). It completed the money the problem needs: the problem is funded, and your backing "
        "pays for its fix."
    ),
    "cancelled": (
        "Your backing of {amount} for problem #{id} “{title}” was waiting for the city's cashier to "
        "confirm your payment. {why} Nothing of it is spent. If you paid already, quote your payment "
        "reference {reference} to the city's cashier to have it paid back."
    ),
}


def why_words(session: DbSession, issue: Issue, reason: str) -> str:
    """Why the problem's backings ended, as a sentence: "closed" names the city's act on it."""
    if reason != "closed":
        return WHY[reason]
    if issue.duplicate_of_id is not None:
        return (
            f"The city merged it into problem #{issue.duplicate_of_id}, the same problem, before the "
            "backings covered its cost."
        )
    status = session.scalar(select(Status.name).where(Status.code == issue.status)) or issue.status
    return f"The city marked it “{status}” before the backings covered its cost."


def mail_backer(
    session: DbSession, issue: Issue, backing: Backing, event: str, reason: str | None = None
) -> None:
    """One mail per backing and event (`pending`, `confirmed`, `refunded`, `moved`, `cancelled`; the key names
    both), to a backer who still has an account; an ending says why (`reason`: deadline, closed,
    funded, cashier)."""
    if backing.user_id is None:
        return
    user = session.get(User, backing.user_id)
    if user is None or user.deleted_at is not None:
        return
    # At settlement the backing's row is marked moved by a bulk UPDATE, so the event says it there.
    moved = event == "moved" or backing.status == BackingStatus.MOVED.value
    group = groups_of_moved(session, [backing.id]).get(backing.id, "a neighbourhood group") if moved else ""
    amount, reference = format_money(backing.amount_cents, CURRENCY), payment_reference(backing.id)
    # Paid to the city's cashier, the money goes back the same way (found from outside: "refunded to
    # you" was mailed while the cashier had yet to pay it).
    by_cashier = backing.provider == TreasurerConfirmed.name
    words = {
        "id": issue.id,
        "title": issue.title,
        "amount": amount,
        "reference": reference,
        "group": group,
        "ended": "was not funded" if reason == "deadline" else "was closed",
        "why": why_words(session, issue, reason) if reason is not None else "",
        "otherwise": (
            "moves to this area's pool, as you chose"
            if backing.fallback == BackingFallback.POOL.value
            else "comes back to you"
        ),
        "to_you": f": the city's cashier pays it back to you (reference {reference})"
        if by_cashier
        else " to you",
        "handed": "; the city's cashier hands the money to its treasurer" if by_cashier else "",
        "instructions": payment_instructions(backing, CURRENCY) if event == "pending" else "",
        "account": external_url("account.home") + "#money",
        "paid": (
            f"handed your {amount} for problem #{issue.id} “{issue.title}” to the treasurer of {group}, "
            "where it is your pledge"
            if moved
            else f"paid back your {amount} for problem #{issue.id} “{issue.title}”"
        ),
    }
    link = external_url("issues.detail", issue_id=issue.id)
    if event == "paid_back" and moved:
        event = "handed"
    lead = (
        "confirmed_funded"
        if event == "confirmed" and backing.status == BackingStatus.COMMITTED.value
        else event
    )
    text = f"{LEADS[lead].format(**words)}\n\nSee the problem, its money and the city's notes: {link}\n"
    queue_mail(
        session,
        f"backing:{backing.id}:{event}",
        build_message(
            to=user.email,
            subject=SUBJECTS[event].format(**words),
            text=text,
            sender=current_app.config["MAIL_DEFAULT_SENDER"],
        ),
    )


def moved_pledge_key(backing_id: int) -> str:
    """The key of the pledge a backing moved to a pool became: moving it twice is one pledge."""
    return f"backing-{backing_id}"


def groups_of_moved(session: DbSession, backing_ids: list[int]) -> dict[int, str]:
    """The group whose pool each moved backing became a pledge of (the pledge's key names the backing)."""
    if not backing_ids:
        return {}
    keys = {moved_pledge_key(i): i for i in backing_ids}
    found = session.execute(
        select(Pledge.idempotency_key, Group.name)
        .join(Pool, Pool.id == Pledge.pool_id)
        .join(Group, Group.id == Pool.group_id)
        .where(Pledge.provider == MOVED_PROVIDER, Pledge.idempotency_key.in_(list(keys)))
    ).tuples()
    return {keys[key]: name for key, name in found}


def mail_cancelled(session: DbSession, issue: Issue, backing_ids: list[int], reason: str) -> None:
    """Tell each backer whose pending backing was cancelled, and why."""
    for backing in session.scalars(select(Backing).where(Backing.id.in_(backing_ids)).order_by(Backing.id)):
        mail_backer(session, issue, backing, "cancelled", reason)
