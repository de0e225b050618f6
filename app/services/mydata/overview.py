"""What My Commonfix shows: my reports, likes, follows, pledges and refunds, backings and the unspent
money of their fixes, ballots, groups and API tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Boolean, and_, case, func, select, type_coerce

from app.database.sessions import DbSession
from app.models import (
    ApiToken,
    Area,
    Backing,
    Follow,
    Group,
    Issue,
    Like,
    Membership,
    Pledge,
    Pool,
    Round,
    RoundBallot,
    Status,
    User,
)
from app.models.backing import BackingStatus
from app.models.funding import PledgeStatus
from app.services.funding import backing_paybacks, return_paybacks
from app.services.funding.backing_mail import groups_of_moved
from app.services.funding.groups import treasurers
from app.services.funding.payments import TreasurerConfirmed
from app.services.funding.pending_backings import payment_reference
from app.services.funding.pool_refunds import ResidentRefund, refunds_of
from app.services.funding.return_paybacks import ReturnedPart
from app.services.issues.money import CITY_CURRENCY
from app.services.issues.public_titles import public_title
from app.services.rounds import your_ballot


@dataclass(frozen=True)
class IssueLine:
    id: int
    title: str
    status: str  # the status's name, as the problem page shows it
    status_code: str
    status_type: str  # open | closed | fixed
    is_hidden: bool  # by a moderator (a report waiting for its reporter's confirmation is theirs to see)
    at: datetime  # reported, liked or followed
    held: bool = False  # my report, not published: it waits for my confirmation, or for me to publish it


@dataclass(frozen=True)
class AreaLine:
    id: int
    name: str
    at: datetime


@dataclass(frozen=True)
class PledgeLine:
    id: int
    group_id: int
    group: str
    amount_cents: int
    currency: str
    status: str  # pending | confirmed | declined | withdrawn
    created_at: datetime
    confirmed_at: datetime | None
    # Pending, with no treasurer of its group who can confirm it (found from outside: a blocked
    # treasurer's pledgers read "Waiting for the treasurer" with nobody to wait for).
    no_treasurer: bool = False


@dataclass(frozen=True)
class BackingLine:
    id: int
    issue_id: int
    title: str
    amount_cents: int
    currency: str
    status: str  # pending | cancelled | held | committed | refunded | moved
    created_at: datetime
    settled_at: datetime | None
    # Paid to the city's cashier, then refunded or moved, and not yet paid back by the cashier
    # (backing_paybacks.py): the money is still on its way.
    owed_back: bool = False
    moved_to: str | None = None  # a moved backing: the group whose pool it became a pledge of

    @property
    def reference(self) -> str:
        """What the resident quotes when paying it (the cashier matches the money by it)."""
        return payment_reference(self.id)


@dataclass(frozen=True)
class BallotLine:
    round_id: int
    round: str
    group: str
    phase: str
    result_status: str | None  # provisional | certified | cancelled once tallied
    choices: int  # how many problems the ballot names
    updated_at: datetime
    # Why it does not count (left the group), or None (found from outside: listed as saved regardless).
    not_counted: str | None = None


@dataclass(frozen=True)
class GroupLine:
    id: int
    name: str
    is_admin: bool
    joined_at: datetime
    pool_id: int
    waiting_pledges: int  # others' pledges waiting for this admin to confirm (0 for a member)


@dataclass(frozen=True)
class TokenLine:
    id: int
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class AccountOverview:
    reports: list[IssueLine]
    likes: list[IssueLine]
    followed_issues: list[IssueLine]
    followed_areas: list[AreaLine]
    pledges: list[PledgeLine]
    refunds: list[ResidentRefund]  # parts of pools' refunds paid back to me, whether or not I am a member
    returned: list[ReturnedPart]  # my parts of fixes' unspent money, which the city's cashier pays back
    backings: list[BackingLine]
    ballots: list[BallotLine]
    groups: list[GroupLine]
    tokens: list[TokenLine]


def overview(session: DbSession, user: User) -> AccountOverview:
    """Everything the account page lists, newest first. Hidden reports are the reporter's own: listed."""
    moderated = type_coerce(and_(Issue.is_hidden, Issue.awaiting_confirmation.is_(False)), Boolean)
    base = select(Issue.id, Issue.title, Status.name, Issue.status, Status.type, moderated)
    reports = base.add_columns(Issue.created_at).join(Status, Status.code == Issue.status)
    reports = reports.where(Issue.reporter_id == user.id).order_by(Issue.created_at.desc(), Issue.id.desc())
    likes = (
        base.add_columns(Like.created_at)
        .join(Status, Status.code == Issue.status)
        .join(Like, Like.issue_id == Issue.id)
        .where(Like.user_id == user.id, Issue.is_hidden.is_(False))
        .order_by(Like.created_at.desc(), Issue.id.desc())
    )
    followed = (
        base.add_columns(Follow.created_at)
        .join(Status, Status.code == Issue.status)
        .join(Follow, Follow.issue_id == Issue.id)
        .where(Follow.user_id == user.id, Issue.is_hidden.is_(False))
        .order_by(Follow.created_at.desc(), Issue.id.desc())
    )
    areas = session.execute(
        select(Area.id, Area.name, Follow.created_at)
        .join(Follow, Follow.area_id == Area.id)
        .where(Follow.user_id == user.id)
        .order_by(Area.name)
    ).tuples()
    pledges = session.execute(
        select(
            Pledge.id,
            Group.id,
            Group.name,
            Pledge.amount_cents,
            Pool.currency,
            Pledge.status,
            Pledge.created_at,
            Pledge.confirmed_at,
        )
        .join(Pool, Pool.id == Pledge.pool_id)
        .join(Group, Group.id == Pool.group_id)
        .where(Pledge.user_id == user.id)
        .order_by(Pledge.created_at.desc(), Pledge.id.desc())
    ).tuples()
    backings = session.execute(
        select(
            Backing.id,
            Issue.id,
            public_title(),
            Backing.amount_cents,
            Backing.status,
            Backing.created_at,
            Backing.settled_at,
            Backing.provider,
            Backing.paid_back_at,
        )
        .join(Issue, Issue.id == Backing.issue_id)
        .where(Backing.user_id == user.id)
        .order_by(Backing.created_at.desc(), Backing.id.desc())
    ).all()
    # Found from outside: "Moved to your area's pool" named no pool, and it is the problem's area's.
    moved_to = groups_of_moved(session, [row[0] for row in backings if row[4] == BackingStatus.MOVED.value])
    ballots = (
        session.execute(
            select(
                Round.id,
                Round.name,
                Group.name,
                Round.phase,
                Round.result_status,
                RoundBallot.choices,
                RoundBallot.updated_at,
            )
            .join(Round, Round.id == RoundBallot.round_id)
            .join(Group, Group.id == Round.group_id)
            .where(RoundBallot.user_id == user.id)
            .order_by(RoundBallot.updated_at.desc(), Round.id.desc())
        )
        .tuples()
        .all()
    )
    voted_in = {
        found.id: found
        for found in session.scalars(select(Round).where(Round.id.in_([b[0] for b in ballots])))
    }
    # Found from outside: a treasurer had nothing on this page pointing at pledges to confirm.
    waiting = (
        select(func.count(Pledge.id))
        .where(
            Pledge.pool_id == Pool.id,
            Pledge.status == PledgeStatus.PENDING.value,
            Pledge.user_id != user.id,  # their own pledge is confirmed by someone else
        )
        .scalar_subquery()
    )
    groups = session.execute(
        select(
            Group.id,
            Group.name,
            Membership.is_admin,
            Membership.joined_at,
            Pool.id,
            case((Membership.is_admin.is_(True), waiting), else_=0),
        )
        .join(Membership, Membership.group_id == Group.id)
        .join(Pool, Pool.group_id == Group.id)
        .where(Membership.user_id == user.id)
        .order_by(Group.name)
    ).tuples()
    tokens = session.execute(
        select(ApiToken.id, ApiToken.created_at, ApiToken.expires_at)
        .where(ApiToken.user_id == user.id)
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    ).tuples()
    return AccountOverview(
        reports=[
            IssueLine(*row)
            for row in session.execute(reports.add_columns(Issue.awaiting_confirmation)).tuples()
        ],
        likes=[IssueLine(*row) for row in session.execute(likes).tuples()],
        followed_issues=[IssueLine(*row) for row in session.execute(followed).tuples()],
        followed_areas=[AreaLine(*row) for row in areas],
        pledges=[
            PledgeLine(
                *row,
                no_treasurer=row[5] == "pending" and not treasurers(session, row[1], besides=user.id),
            )
            for row in pledges
        ],
        refunds=refunds_of(session, user.id),
        returned=return_paybacks.returned_to(session, user.id),
        backings=[
            BackingLine(
                b,
                i,
                title,
                cents,
                CITY_CURRENCY,
                status,
                at,
                settled,
                status in backing_paybacks.ENDED
                and provider == TreasurerConfirmed.name
                and paid_back is None,
                moved_to.get(b),
            )
            for b, i, title, cents, status, at, settled, provider, paid_back in backings
        ],
        ballots=[
            BallotLine(
                r,
                name,
                group,
                phase,
                result,
                len(choices or {}),
                at,
                your_ballot.not_counted_words(session, voted_in[r], user),
            )
            for r, name, group, phase, result, choices, at in ballots
        ],
        groups=[GroupLine(*row) for row in groups],
        tokens=[TokenLine(*row) for row in tokens],
    )
