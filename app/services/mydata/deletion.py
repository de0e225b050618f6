"""Deleting an account: the person's data goes, what the public and the ledger rely on stays, anonymous.

The users row stays as a tombstone (no email, name or password; `deleted_at` set), so the foreign keys of
reports, updates, ledger postings (`resident:<id>` accounts and confirmed pledges) and tallied rounds'
ballots still hold: reports and updates show "a former resident", the ledger's amounts are untouched, and
a tallied round's inputs and results do not change. What only serves the person goes: follows, group
memberships, API tokens, logins (the devices signed in), handled flags (open ones stay in the moderators'
queue with their reason and note, naming no flagger), pending and declined pledges, likes on problems
still open (they would keep ranking problems and count as approvals in rounds not yet tallied; likes on
fixed or closed problems stay in their counts, and the deletion page says so), ballots
in rounds not yet tallied, and the outbox's mails to the person's address (sent or not: each holds the
address and usually the name) and the address in mail fan-outs.
The census entry they verified with goes back to unclaimed and the voting codes they used stay used but
no longer name them, so every round's eligible count, ballots and results stay as they were.
Backings still held in a problem's escrow are refunded to the person first; committed ones stay, anonymous.

Refused, nothing changed, while the account has money in play: a pledge (pending or confirmed; a declined
one is no money) to a pool whose round is pledging or voting (the round decides where that money goes), being
the only resident who runs a group that has other members, or a tally running in a round of one of its
groups.
"""

from __future__ import annotations

import json

from sqlalchemy import delete, select, update
from werkzeug.security import check_password_hash

from app.database.sessions import DbSession, execute_write
from app.models import (
    ApiToken,
    AuditEntry,
    CensusEntry,
    Flag,
    Follow,
    Group,
    Issue,
    Like,
    LoginSession,
    MailFanout,
    Membership,
    OutgoingMail,
    Pledge,
    Pool,
    Round,
    RoundBallot,
    Status,
    User,
    VotingCode,
)
from app.models.backing import CURRENCY, Backing, BackingStatus
from app.models.funding import PledgeStatus
from app.models.moderation import FlagStatus
from app.models.place import StatusType
from app.models.rounds import Phase
from app.models.timestamps import utcnow
from app.services.accounts import users
from app.services.funding import groups, pending_backings, return_paybacks
from app.services.funding.backing_settlement import refund_backer
from app.services.issues.notifications import Recipient
from app.services.kernel import audit
from app.services.kernel.errors import Conflict, ValidationError
from app.services.kernel.site import site_name
from app.services.mydata.mail_copies import account_addresses, mail_of
from budgets.money import format_money

FORMER_RESIDENT = "a former resident"
OPEN_PHASES = (Phase.DRAFT.value, Phase.PLEDGING.value, Phase.VOTING.value)
# Pledges that never were money and never will be: they hold no account open and go with it.
NOT_MONEY = (PledgeStatus.DECLINED.value, PledgeStatus.WITHDRAWN.value)
# Backings a deletion acts on: a pending one is cancelled, a held one refunded.
LIVE_FOR_DELETION = (BackingStatus.PENDING.value, BackingStatus.HELD.value)


def tombstone_email(user_id: int) -> str:
    """A unique address that is nobody's (.invalid is reserved, RFC 2606): the column stays unique."""
    return f"deleted-{user_id}@{users.TOMBSTONE_DOMAIN}"


def blockers(session: DbSession, user: User, *, lock: bool = False) -> list[str]:
    """Why the account cannot be deleted now, in words a resident acts on, most urgent first; empty when
    nothing holds it back. The delete page shows them (a notice only when one applies), and
    `delete_account` refuses with the first; `lock` holds the rounds read until the deletion commits."""
    member_groups = select(Membership.group_id).where(Membership.user_id == user.id)
    pledged_pools = select(Pledge.pool_id).where(Pledge.user_id == user.id, Pledge.status.not_in(NOT_MONEY))
    # A census or voting-code voter need not be a member: their ballot is what a running tally reads.
    voted_in = select(RoundBallot.round_id).where(RoundBallot.user_id == user.id)
    statement = (
        select(
            Round.id,
            Round.name,
            Round.phase,
            Round.tally_token,
            Round.pool_id,
            Group.name.label("group_name"),
        )
        .join(Group, Group.id == Round.group_id)
        .where(Round.group_id.in_(member_groups) | Round.pool_id.in_(pledged_pools) | Round.id.in_(voted_in))
        .order_by(Round.id)
    )
    rounds = session.execute(statement.with_for_update(of=Round) if lock else statement).all()
    found = [
        f"A tally of round “{row.name}” ({row.group_name}) is running: try again once it finished."
        for row in rounds
        if row.tally_token is not None and row.phase in OPEN_PHASES  # a tallied round keeps its token
    ]
    pledged = set(session.scalars(pledged_pools))
    waiting = set(
        session.scalars(
            select(Pledge.pool_id).where(
                Pledge.user_id == user.id, Pledge.status == PledgeStatus.PENDING.value
            )
        )
    )
    found += [
        # Found from outside: a pledge never paid held the account with no way out named, while the
        # page's own list said waiting pledges are deleted. A waiting one can be withdrawn.
        f"You pledged money to {row.group_name}, whose round “{row.name}” is not tallied yet: "
        "the round decides where that money goes. Delete your account once it is tallied."
        + (
            " If you never paid a pledge that still waits for the treasurer, withdraw it (on My "
            f"{site_name()})"
            " and, with no confirmed pledge there, you can delete your account at once."
            if row.pool_id in waiting
            else ""
        )
        for row in rounds
        # A draft round holds no pool yet and may never start: it keeps nobody's account, as no round
        # at all does (found from outside: "Delete your account once it is tallied" of a draft).
        if row.phase in OPEN_PHASES and row.phase != Phase.DRAFT.value and row.pool_id in pledged
    ]
    run = session.execute(
        select(Group.id, Group.name)
        .join(Membership, Membership.group_id == Group.id)
        .where(Membership.user_id == user.id, Membership.is_admin.is_(True))
        .order_by(Group.id)
    ).all()
    for group_id, name in run:
        if groups.is_sole_admin(session, user.id, group_id):
            found.append(
                f"You are the only one who runs {name}, which has other members: ask city staff to make "
                "another member its admin first."
            )
    return found


def money_now(session: DbSession, user: User) -> list[str]:
    """This resident's money that deleting the account would touch, one sentence each (found from
    outside: the page said what happens to each kind, but not which of theirs, nor their references)."""
    said = []
    backed = session.execute(
        select(Backing, Issue.title)
        .join(Issue, Issue.id == Backing.issue_id)
        .where(Backing.user_id == user.id, Backing.status.in_(LIVE_FOR_DELETION))
        .order_by(Backing.id)
    ).all()
    for backing, title in backed:
        amount, reference = (
            format_money(backing.amount_cents, CURRENCY),
            pending_backings.payment_reference(backing.id),
        )
        if backing.status == BackingStatus.PENDING.value:
            said.append(
                f"Your backing {reference} of {amount} for “{title}” waits for the city's cashier: it is "
                f"cancelled. If you have paid it already, ask the cashier to confirm it first, or to return "
                f"the money quoting {reference}."
            )
        else:
            said.append(f"Your backing of {amount} held for “{title}” is refunded to you first.")
    # Found from outside: money the city's cashier still owes back was not mentioned, and once the
    # account was gone the cashier's list named "a deleted account".
    said += [
        f"The city's cashier still owes you {format_money(part.amount_cents, part.currency)}, your part of "
        f"what the fix of “{part.title}” did not cost"
        + (f" (backing {part.references})" if part.references else "")
        + ": ask for it before you delete your account."
        for part in return_paybacks.returned_to(session, user.id)
        if part.at_the_cashier and part.paid_back_at is None
    ]
    pledged = session.execute(
        select(Pledge.amount_cents, Pool.currency, Group.name)
        .join(Pool, Pool.id == Pledge.pool_id)
        .join(Group, Group.id == Pool.group_id)
        .where(Pledge.user_id == user.id, Pledge.status == PledgeStatus.PENDING.value)
        .order_by(Pledge.id)
    ).all()
    said += [
        f"Your pledge of {format_money(cents, currency)} to {name} waits for its treasurer: it is deleted. "
        "If you have paid it already, ask the treasurer to confirm it first."
        for cents, currency, name in pledged
    ]
    return said


def _refuse_money_in_play(session: DbSession, user: User) -> None:
    found = blockers(session, user, lock=True)
    if found:
        raise Conflict(found[0], "account")


def _unlink_voter_records(session: DbSession, user_id: int) -> None:
    """The census entry and voting codes the person used stop naming them; every count stays.

    A census entry is the city's (its salted hash and the census's size stay): it goes back to
    unclaimed, so the person may verify a new account with their identifier, and no one votes twice,
    as their ballots in rounds not yet tallied are withdrawn. A voting code stays used, since a one-time
    code never works twice; the audit entry of its use keeps that a code was used online, not which.
    """
    execute_write(
        session,
        update(CensusEntry).where(CensusEntry.user_id == user_id).values(user_id=None, verified_at=None),
    )
    execute_write(session, update(VotingCode).where(VotingCode.user_id == user_id).values(user_id=None))
    for entry in session.scalars(
        select(AuditEntry).where(AuditEntry.actor_id == user_id, AuditEntry.action == "round.code_use")
    ):
        entry.details = {**entry.details, "code": "(deleted)"}


def _forget_in_fanouts(session: DbSession, email: str) -> None:
    """Take the address out of every mail fan-out: a done one would keep it, one still waiting for its
    worker would mail it after the outbox was cleared."""
    quoted = json.dumps(email)  # as the recipients' JSON spells it
    for fanout in session.scalars(
        select(MailFanout).where(MailFanout.recipients.contains(quoted, autoescape=True))
    ):
        rows = json.loads(fanout.recipients)
        fanout.recipients = json.dumps([row for row in rows if Recipient.from_json(row).email != email])


def delete_account(session: DbSession, user: User, password: object) -> None:
    """Anonymise the account after checking its password; refuses (nothing changed) as the module says."""
    if user.deleted_at is not None:
        raise Conflict("This account is already deleted.", "account")
    if not isinstance(password, str) or not password:
        raise ValidationError("Password is required to delete the account.", "password")
    if not check_password_hash(user.password_hash, password):
        raise ValidationError("The password is wrong: the account was not deleted.", "password")
    _refuse_money_in_play(session, user)
    now = utcnow()
    # The account's row is locked first (a write that changes nothing; the tombstone below writes it): a
    # mail fan-out's chunk reads its live recipients FOR SHARE, so it waits for this deletion and then
    # leaves the address out, or it commits first and the outbox clearing below takes its mail back
    # (jobs/mail_fanout.queue_chunk).
    execute_write(session, update(User).where(User.id == user.id).values(deleted_at=User.deleted_at))
    # Money held in problems' escrows goes back to the person first; committed backings stay (the
    # problems were funded with them), anonymous like confirmed pledges.
    refunded = refund_backer(session, user.id, now)
    pending_backings.cancel_of_user(session, user.id, now)  # never posted: nothing to refund
    execute_write(session, update(Backing).where(Backing.user_id == user.id).values(show_name=False))
    open_statuses = select(Status.code).where(Status.type == StatusType.OPEN.value)
    open_issues = select(Issue.id).where(Issue.status.in_(open_statuses))
    execute_write(session, delete(Like).where(Like.user_id == user.id, Like.issue_id.in_(open_issues)))
    untallied = select(Round.id).where(Round.phase.in_(OPEN_PHASES))
    execute_write(
        session,
        delete(RoundBallot).where(RoundBallot.user_id == user.id, RoundBallot.round_id.in_(untallied)),
    )
    _unlink_voter_records(session, user.id)
    for model in (Follow, Membership, ApiToken, LoginSession):
        execute_write(session, delete(model).where(model.user_id == user.id))
    # A flag moderators have not handled stays in their queue with its reason and note, naming no one:
    # deleting an account must not take a report of abusive content out of moderation. Handled ones go.
    execute_write(session, delete(Flag).where(Flag.user_id == user.id, Flag.status != FlagStatus.OPEN.value))
    execute_write(session, update(Flag).where(Flag.user_id == user.id).values(user_id=None))
    execute_write(
        session,
        delete(Pledge).where(
            Pledge.user_id == user.id,
            Pledge.status.in_((PledgeStatus.PENDING.value, *NOT_MONEY)),
        ),
    )
    execute_write(session, update(Pledge).where(Pledge.user_id == user.id).values(show_name=False))
    # Every copy of the account's mail goes, to its earlier addresses too (mail_copies says which).
    held = account_addresses(session, user)
    execute_write(session, delete(OutgoingMail).where(mail_of(user, held)))
    for address in held.owned:
        _forget_in_fanouts(session, address)
    for entry in session.scalars(
        select(AuditEntry).where(AuditEntry.target_type == "user", AuditEntry.target_id == str(user.id))
    ):
        found = [key for key in ("email", "previous_email") if key in entry.details]
        addresses: dict[str, str] = dict.fromkeys(found, "(deleted)")
        if addresses:  # the account's addresses (registration, address changes) go with it
            entry.details = {**entry.details, **addresses}
    user.email = tombstone_email(user.id)
    user.display_name = FORMER_RESIDENT
    user.password_hash = "!deleted"  # no password hash matches it
    user.is_blocked = True
    user.deleted_at = now
    audit.record(session, user, "account.delete", "user", user.id, backings_refunded=refunded)
    session.flush()
