"""Pledges: validated, idempotent micro-investments into a pool, confirmed into the ledger, declined, or
withdrawn by their pledger before a confirmation."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update

from app.database.sessions import DbSession, execute_write
from app.database.spellings import insert_ignoring_duplicates
from app.models import Pledge, Pool, User
from app.models.funding import PledgeStatus
from app.models.timestamps import utcnow
from app.services.funding import groups, ledger, pledge_mail
from app.services.funding.idempotency import check_idempotency_key, earlier_request, key_reused
from app.services.funding.payments import PaymentProvider
from app.services.kernel import audit
from app.services.kernel.errors import Conflict, NotFound, PermissionDenied, ValidationError
from app.services.kernel.parsing import positive_cents
from app.services.kernel.roles import require_confirmed
from app.services.kernel.text import first_upper
from budgets.money import format_money


class OwnPledge(PermissionDenied):
    """The pledger confirming or declining their own pledge: separation of duties refuses it."""


class PledgeWithdrawn(Conflict):
    """Confirming or declining a pledge its pledger withdrew (the treasurer's page was older than that)."""


class PledgeSettled(Conflict):
    """Confirming a declined pledge, or declining a confirmed one: settled the other way meanwhile (by
    another treasurer, or in another tab)."""


def _withdrawn(found: Pledge) -> PledgeWithdrawn:
    return PledgeWithdrawn(
        f"Pledge {found.id} was withdrawn by its pledger before its money was confirmed: there is nothing "
        "to confirm or decline. If the money reached you, hand it back.",
        "pledge_id",
    )


@dataclass(frozen=True)
class PledgeOutcome:
    pledge: Pledge
    created: bool  # False: the Idempotency-Key had been used already; this is the earlier pledge


def check_amount_cents(raw: object, pool: Pool, field: str = "amount_cents") -> int:
    """Whole cents between the pool's minimum and maximum; floats, strings and booleans refused."""
    cents = positive_cents(raw, field)
    if cents < pool.min_pledge_cents:
        raise ValidationError(
            f"The smallest pledge is {format_money(pool.min_pledge_cents, pool.currency)}.", field
        )
    if cents > pool.max_pledge_cents:
        raise ValidationError(
            f"The largest pledge to this pool is {format_money(pool.max_pledge_cents, pool.currency)}.",
            field,
        )
    return cents


def get_pool(session: DbSession, pool_id: int) -> Pool:
    pool = session.get(Pool, pool_id)
    if pool is None:
        raise NotFound(f"There is no pool {pool_id}.", "pool_id")
    return pool


def pledge(
    session: DbSession,
    user: User,
    pool_id: int,
    amount_cents: object,
    idempotency_key: object,
    provider: PaymentProvider,
    *,
    show_name: bool = False,
) -> PledgeOutcome:
    """Record a pledge once per (resident, key); the test provider confirms it at once.

    A retry with the same key returns the first pledge (created=False); the same key with a different
    pool or amount is a 409, since it would silently drop the second request.
    """
    key = check_idempotency_key(idempotency_key)
    pool = get_pool(session, pool_id)
    if user.is_blocked:
        raise PermissionDenied("This account is blocked and cannot pledge.")
    require_confirmed(user)
    earlier = earlier_request(session, Pledge, user.id, key)
    if earlier is not None:
        return _replay(earlier, pool_id, amount_cents)
    cents = check_amount_cents(amount_cents, pool)
    if not pool.is_open:
        raise Conflict("This pool is closed to new pledges.", "pool_id")
    if groups.membership(session, user.id, pool.group_id) is None:
        raise PermissionDenied("Join the neighbourhood group before pledging to its pool.", "group_id")
    values = {
        "pool_id": pool_id,
        "user_id": user.id,
        "amount_cents": cents,
        "status": PledgeStatus.PENDING.value,
        "show_name": bool(show_name),
        "provider": provider.name,
        "idempotency_key": key,
        "created_at": utcnow(),
    }
    inserted = execute_write(session, insert_ignoring_duplicates(session, Pledge, **values)).rowcount
    found = earlier_request(session, Pledge, user.id, key)
    assert found is not None
    if not inserted:  # a concurrent request with the same key won
        return _replay(found, pool_id, cents)
    if provider.confirms_immediately():
        _confirm(session, found, None)
    else:
        # A treasurer's mail does not tell them to hand the money to the treasurer, nor a member's when no
        # treasurer can act (found from outside).
        confirmer = groups.pledge_confirmer(session, pool.group_id, user.id)
        instructions = (
            provider.instructions(pool.currency, cents)
            if confirmer is None
            else f"{first_upper(confirmer)} confirms it when its money is in the pool."
        )
        pledge_mail.notify_waiting(session, found, user, instructions)
        treasurers = groups.treasurer_accounts(session, pool.group_id, besides=user.id)
        pledge_mail.notify_treasurers(session, found, user, treasurers)
    return PledgeOutcome(found, True)


def pledge_moved_money(
    session: DbSession, user_id: int, pool_id: int, cents: int, key: str, provider_name: str
) -> Pledge:
    """A confirmed pledge of money the resident already paid (a backing they asked to move to a pool).

    It is the resident's pledge like any other (the pool's figures, round refunds and ledger-check count
    it); `key` names where the money came from, so moving the same money twice is one pledge.
    """
    values = {
        "pool_id": pool_id,
        "user_id": user_id,
        "amount_cents": cents,
        "status": PledgeStatus.PENDING.value,
        "show_name": False,
        "provider": provider_name,
        "idempotency_key": key,
        "created_at": utcnow(),
    }
    execute_write(session, insert_ignoring_duplicates(session, Pledge, **values))
    found = earlier_request(session, Pledge, user_id, key)
    assert found is not None
    _confirm(session, found, None)
    return found


def _replay(earlier: Pledge, pool_id: int, amount_cents: object) -> PledgeOutcome:
    if earlier.pool_id != pool_id or earlier.amount_cents != amount_cents:
        raise key_reused("pledge")
    return PledgeOutcome(earlier, False)


def confirm(session: DbSession, actor: User, pledge_id: int) -> Pledge:
    """A group admin (or official) other than the pledger confirms the money arrived; confirming twice
    changes nothing.

    A declined pledge is a 409: its money never arrived, and the resident pledges again instead."""
    found = _runs_pledge(session, actor, pledge_id)
    if _confirm(session, found, actor.id):
        _settled(session, actor, "pledge.confirm", found)
        pledge_mail.notify_confirmed(session, found, actor)
    session.refresh(found)
    if found.status == PledgeStatus.DECLINED.value:
        raise PledgeSettled(
            f"Pledge {found.id} was declined already: its money never arrived, so it cannot be confirmed. "
            "If the money has reached you since, the resident pledges again.",
            "pledge_id",
        )
    if found.status == PledgeStatus.WITHDRAWN.value:
        raise _withdrawn(found)
    return found


def decline(session: DbSession, actor: User, pledge_id: int) -> Pledge:
    """A group admin (or official) other than the pledger declines a pending pledge whose money never
    arrived.

    Nothing is posted: a pending pledge was never money. Declining twice changes nothing; a
    confirmed pledge is a 409 (its money is in the pool's ledger). Audited; flushes, never commits."""
    found = _runs_pledge(session, actor, pledge_id)
    # The guarded UPDATE settles a race with a confirmation: only one of them moves the status.
    moved = execute_write(
        session,
        update(Pledge)
        .where(Pledge.id == found.id, Pledge.status == PledgeStatus.PENDING.value)
        .values(status=PledgeStatus.DECLINED.value)
        .execution_options(synchronize_session=False),
    ).rowcount
    session.refresh(found)
    if found.status == PledgeStatus.CONFIRMED.value:
        raise PledgeSettled(
            f"Pledge {found.id} was confirmed already: its money is in the pool's ledger and stays there.",
            "pledge_id",
        )
    if found.status == PledgeStatus.WITHDRAWN.value:
        raise _withdrawn(found)
    if moved:
        _settled(session, actor, "pledge.decline", found)
        pledge_mail.notify_declined(session, found, actor)
    return found


def withdraw(session: DbSession, user: User, pledge_id: int) -> Pledge:
    """The pledger takes back their own pledge while it is pending (the treasurer has not confirmed its
    money): it is marked withdrawn, never deleted, and leaves the pool's pending figure and the
    treasurer's queue. Nothing is posted: a pending pledge was never money.

    Only the pledger (403 naming `pledge_id`; a treasurer declines instead). A confirmed, declined or
    already withdrawn pledge is a 409 naming its state, nothing changed. A blocked account may still
    withdraw, as it may leave a group: it takes back a promise and moves no money. Audited
    (`pledge.withdraw`); flushes, never commits."""
    found = session.get(Pledge, pledge_id)
    if found is None:
        raise NotFound(f"There is no pledge {pledge_id}.", "pledge_id")
    if found.user_id != user.id:
        raise PermissionDenied(
            f"Only the resident who made pledge {found.id} can withdraw it; a group admin declines a "
            "pledge whose money never arrived.",
            "pledge_id",
        )
    # The same guarded UPDATE from pending as a confirmation's and a decline's: when they race, exactly
    # one of them moves the status, and the others find it moved.
    moved = execute_write(
        session,
        update(Pledge)
        .where(Pledge.id == found.id, Pledge.user_id == user.id, Pledge.status == PledgeStatus.PENDING.value)
        .values(status=PledgeStatus.WITHDRAWN.value, withdrawn_at=utcnow())
        .execution_options(synchronize_session=False),
    ).rowcount
    session.refresh(found)
    if not moved:
        raise Conflict(_not_withdrawable(found), "pledge_id")
    _settled(session, user, "pledge.withdraw", found)
    return found


def _not_withdrawable(found: Pledge) -> str:
    if found.status == PledgeStatus.CONFIRMED.value:
        return (
            f"Pledge {found.id} is confirmed: its money is in the pool's ledger, so it can no longer be "
            "withdrawn. If a round does not spend it, the round rolls it over or refunds it."
        )
    if found.status == PledgeStatus.DECLINED.value:
        return f"Pledge {found.id} was declined: its money never arrived, so there is nothing to withdraw."
    return f"Pledge {found.id} is already withdrawn: it never counted in the pool."


def _settled(session: DbSession, actor: User, action: str, found: Pledge) -> None:
    """Audit a pledge's confirmation, decline or withdrawal (`action`), with its pool and amount in its
    currency."""
    currency = get_pool(session, found.pool_id).currency
    details = {"pool_id": found.pool_id, "amount_cents": found.amount_cents, "currency": currency}
    audit.record(session, actor, action, "pledge", found.id, **details)
    session.flush()


def _runs_pledge(session: DbSession, actor: User, pledge_id: int) -> Pledge:
    """The pledge, once the actor is found to run its pool's group and not to be its pledger.

    Separation of duties: whoever settles a pledge declares someone else's money arrived (or not), so a
    treasurer's own pledge is settled by another admin of the group or a city official."""
    found = session.get(Pledge, pledge_id)
    if found is None:
        raise NotFound(f"There is no pledge {pledge_id}.", "pledge_id")
    groups.require_runs_group(session, actor, groups.group_of_pool(session, found.pool_id))
    if found.user_id == actor.id:
        raise OwnPledge(
            f"Pledge {found.id} is your own: another admin of the group or a city official confirms "
            "or declines it.",
            "pledge_id",
        )
    return found


def _confirm(session: DbSession, found: Pledge, actor_id: int | None) -> bool:
    """Confirm a pending pledge and post its money; returns whether this call did (False: it was not
    pending any more)."""
    # The guarded UPDATE is the write that settles races: only one confirmation moves the status.
    moved = execute_write(
        session,
        update(Pledge)
        .where(Pledge.id == found.id, Pledge.status == PledgeStatus.PENDING.value)
        .values(status=PledgeStatus.CONFIRMED.value, confirmed_at=utcnow(), confirmed_by_id=actor_id)
        .execution_options(synchronize_session=False),
    ).rowcount
    if not moved:
        return False
    lines = [
        (ledger.resident_account(found.user_id), -found.amount_cents),
        (ledger.available_account(found.pool_id), found.amount_cents),
    ]
    ledger.post(
        session, ledger.PostingKind.PLEDGE, f"Pledge {found.id}", lines, found.pool_id, pledge_id=found.id
    )
    return True


def pending(session: DbSession, pool_id: int) -> list[tuple[Pledge, str]]:
    """Pending pledges of a pool, oldest first, with each pledger's display name (for the treasurer)."""
    rows = session.execute(
        select(Pledge, User.display_name)
        .join(User, User.id == Pledge.user_id)
        .where(Pledge.pool_id == pool_id, Pledge.status == PledgeStatus.PENDING.value)
        .order_by(Pledge.id)
    ).tuples()
    return list(rows)


def withdrawn(session: DbSession, pool_id: int, limit: int | None = 10) -> list[tuple[Pledge, str]]:
    """A pool's pledges withdrawn by their pledgers, the latest first (`limit` of them; None: all), with
    each pledger's name: the treasurer hands back any such money that reached them."""
    rows = session.execute(
        select(Pledge, User.display_name)
        .join(User, User.id == Pledge.user_id)
        .where(Pledge.pool_id == pool_id, Pledge.status == PledgeStatus.WITHDRAWN.value)
        .order_by(Pledge.withdrawn_at.desc(), Pledge.id.desc())
        .limit(limit)
    ).tuples()
    return list(rows)


def withdrawn_count(session: DbSession, pool_id: int) -> int:
    """How many of a pool's pledges their pledgers withdrew (the treasurer page lists the latest)."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(Pledge)
            .where(Pledge.pool_id == pool_id, Pledge.status == PledgeStatus.WITHDRAWN.value)
        )
        or 0
    )


def waiting_cents(session: DbSession, user_id: int, pool_id: int) -> int:
    """What the resident pledged to the pool that the treasurer has not confirmed or declined yet."""
    found = session.scalar(
        select(func.sum(Pledge.amount_cents)).where(
            Pledge.user_id == user_id, Pledge.pool_id == pool_id, Pledge.status == PledgeStatus.PENDING.value
        )
    )
    return int(found or 0)


def my_pledges(session: DbSession, user_id: int, pool_id: int) -> list[Pledge]:
    return list(
        session.scalars(
            select(Pledge)
            .where(Pledge.user_id == user_id, Pledge.pool_id == pool_id)
            .order_by(Pledge.id.desc())
        )
    )


def confirmed_by_pool(session: DbSession) -> dict[int, int]:
    """Pool id -> cents of confirmed pledges, from the pledges table (ledger-check cross-checks it)."""
    rows = session.execute(
        select(Pledge.pool_id, func.sum(Pledge.amount_cents))
        .where(Pledge.status == PledgeStatus.CONFIRMED.value)
        .group_by(Pledge.pool_id)
    ).tuples()
    return {pool_id: int(total) for pool_id, total in rows}
