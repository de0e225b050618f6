"""The pledgers' mail when a certified round refunds what its pool did not spend: each is told their
part and who hands it back (found from outside: the ledger and the treasurer's page had the parts, but
no pledger was told; a backer whose campaign ends is mailed, and a pledger is owed as much)."""

from __future__ import annotations

from sqlalchemy import select

from app.database.sessions import DbSession
from app.mail import queue_text
from app.models import Group, LedgerLine, LedgerPosting, Pool, Round, User
from app.services.funding import groups
from app.services.kernel.links import external_url
from app.services.kernel.site import site_name
from budgets.accounts import RESIDENT_PREFIX
from budgets.money import format_money


def mail_refund_parts(session: DbSession, posting: LedgerPosting, found: Round) -> int:
    """Queue each pledger's part of the round's refund posting (once: the key names the posting and
    the resident); returns how many were queued. Deleted accounts are not mailed."""
    pool = session.get(Pool, posting.pool_id)
    group = session.get(Group, pool.group_id) if pool is not None else None
    if pool is None or group is None:
        return 0
    parts = session.execute(
        select(LedgerLine.account, LedgerLine.amount_cents).where(
            LedgerLine.posting_id == posting.id,
            LedgerLine.account.startswith(RESIDENT_PREFIX, autoescape=True),
            LedgerLine.amount_cents > 0,
        )
    ).tuples()
    queued = 0
    for account, cents in parts:
        user = session.get(User, int(account.removeprefix(RESIDENT_PREFIX)))
        if user is None or user.deleted_at is not None:
            continue
        by = _who_hands_back(session, group.id, user.id)
        amount = format_money(cents, pool.currency)
        text = (
            f"Hello {user.display_name},\n\n"
            f"The round “{found.name}” of {group.name} is certified. It did not spend all of the pool, and "
            f"the group chose to refund what was left: {amount} of it is yours, your share of what you "
            # Found from outside: the mail said the pool's page lists every refund; it shows the total.
            f"pledged.\n\n{by} Your part is listed under Refunded to you on My {site_name()}: "
            f"{external_url('account.home')}#money\n"
        )
        subject = f"{amount} of your pledges comes back from {group.name}"
        queued += queue_text(session, f"pool-refund:{posting.id}:to:{user.id}", user.email, subject, text)
    return queued


def _who_hands_back(session: DbSession, group_id: int, user_id: int) -> str:
    """Who gives the part back: the treasurers, or for a treasurer's own part, themself (found from
    outside: a treasurer would read that they, by name, hand it back to them)."""
    membership = groups.membership(session, user_id, group_id)
    if membership is not None and membership.is_admin:
        return "As a treasurer, you hold the pool's money: take your part back from it."
    others = groups.treasurers(session, group_id, besides=user_id)
    return (
        f"The treasurer ({', '.join(others)}) hands it back to you."
        if others
        else "The group's treasurer hands it back to you."
    )
