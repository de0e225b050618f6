"""Blocking accounts and email domains: blocked accounts cannot report, like, post or rename themselves."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Sequence

import idna
from sqlalchemy import ColumnElement, and_, delete, func, not_, or_, select, update

from app.database.sessions import DbSession, execute_write
from app.models import BlockedDomain, Group, Membership, Pledge, Pool, User
from app.models.account import Role
from app.models.desk import Assignment, TeamMember
from app.models.funding import PledgeStatus
from app.models.timestamps import utcnow
from app.services.accounts.addresses import normalise_email
from app.services.kernel import audit
from app.services.kernel.errors import Conflict, NotFound, PermissionDenied, ValidationError
from app.services.kernel.roles import require_admin
from app.services.kernel.site import site_name
from app.services.kernel.text import clean_note, first_of
from budgets.allocation import counted

DOMAIN_RE = re.compile(r"^(?=.{3,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def domain_of(email: str) -> str:
    return email.rsplit("@", 1)[-1].strip().rstrip(".").lower()


def _blocked_names(domain: str) -> list[str]:
    """The names whose block covers a domain: itself and each domain it is under (a block of
    spam.example covers mail.spam.example too)."""
    labels = domain.split(".")
    return [".".join(labels[i:]) for i in range(len(labels) - 1)]


def readable_domain(domain: str) -> str:
    """A stored (ASCII) domain as people write it: "xn--bcher-kva.example" is "bücher.example" (found
    from outside: admins and residents were shown the ASCII form)."""
    if "xn--" not in domain:
        return domain
    try:
        return str(idna.decode(domain))
    except (idna.IDNAError, UnicodeError):
        return domain


def clean_domain(raw: object) -> str:
    """A domain as addresses are stored: lower case, a name in other scripts in its ASCII form
    (found from outside: "bücher.example" was refused, and only "xn--bcher-kva.example" blocked it)."""
    domain = str(raw or "").strip().lower().lstrip("@")
    if not domain:
        raise ValidationError("Domain is required, like spam.example.", "domain")
    not_a_domain = ValidationError(f"{domain[:60]!r} is not a domain name like spam.example.", "domain")
    if not domain.isascii():
        try:
            domain = idna.encode(domain, uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError):
            raise not_a_domain from None
    if not DOMAIN_RE.match(domain):
        raise not_a_domain
    return domain


def is_domain_blocked(session: DbSession, email: str) -> bool:
    covering = select(BlockedDomain.id).where(BlockedDomain.domain.in_(_blocked_names(domain_of(email))))
    return session.scalar(covering.limit(1)) is not None


def refuse_blocked_domain(session: DbSession, email: str) -> None:
    """Registration and login refuse addresses of a blocked domain."""
    if is_domain_blocked(session, email):
        raise PermissionDenied(
            f"Addresses at {readable_domain(domain_of(email))} cannot be used on {site_name()};"
            " contact the city if this is wrong.",
            "email",
        )


def _on_domain(domain: str, keep: Sequence[str] = ()) -> ColumnElement[bool]:
    """Accounts at the domain or under it, except those at or under the domains in `keep` (DOMAIN_RE
    leaves no LIKE wildcard in a domain)."""
    email = func.lower(User.email)
    at = or_(email.like(f"%@{domain}"), email.like(f"%@%.{domain}"))
    return and_(at, *(not_(_on_domain(k)) for k in keep)) if keep else at


def open_work(session: DbSession, user: User) -> list[str]:
    """What the account does for others that a block stops, in words: the groups it runs as their
    treasurer (with pledges waiting for it) and, for an official, the problems assigned to them."""
    said = []
    for group_id, name in session.execute(
        select(Group.id, Group.name)
        .join(Membership, Membership.group_id == Group.id)
        .where(Membership.user_id == user.id, Membership.is_admin.is_(True))
        .order_by(Group.name)
    ).tuples():
        waiting = int(
            session.scalar(
                select(func.count(Pledge.id))
                .join(Pool, Pool.id == Pledge.pool_id)
                .where(Pool.group_id == group_id, Pledge.status == PledgeStatus.PENDING.value)
            )
            or 0
        )
        said.append(
            f"runs “{name}” as its treasurer"
            + (f" ({counted(waiting, 'pledge')} waiting for a treasurer)" if waiting else "")
        )
    assigned = int(
        session.scalar(select(func.count()).select_from(Assignment).where(Assignment.user_id == user.id)) or 0
    )
    if assigned:
        become = "becomes" if assigned == 1 else "become"
        said.append(f"has {counted(assigned, 'problem')} assigned, which {become} unassigned")
    return said


def set_user_blocked(
    session: DbSession, admin: User, email: object, blocked: bool, *, confirm_work: bool = False
) -> User:
    """Block or unblock an account. A block of an account with work for others (a group it runs, problems
    assigned to it) asks for `confirm_work` first, naming that work (found from outside: a treasurer was
    blocked in one click while residents were told to pay them, and an official's problems stayed
    assigned to someone who could no longer act). A blocked official leaves their teams and problems."""
    require_admin(admin)
    address = str(email or "").strip().lower()
    if not address:
        raise ValidationError("Email is required.", "email")
    # As addresses are stored (found from outside: "bob@bücher.example" was "no account"); one stored
    # before the check is looked up as typed.
    with contextlib.suppress(ValidationError):
        address = normalise_email(address)
    user = session.scalar(select(User).where(func.lower(User.email) == address))
    if user is None:
        raise NotFound(f"There is no account {address[:254]!r}.", "email")
    if blocked and user.role == Role.ADMIN.value:
        raise ValidationError(
            "Admin accounts cannot be blocked; change the role first (on the server: "
            f"flask --app wsgi set-role {user.email} resident).",
            "email",
        )
    if user.is_blocked == blocked:
        raise ValidationError(f"{user.email} is already {'blocked' if blocked else 'unblocked'}.", "email")
    details: dict[str, object] = {"email": user.email}
    if blocked:
        work = open_work(session, user)
        if work and not confirm_work:
            # Found from outside: an official with problems alone was told to appoint group admins.
            runs_groups = any(w.startswith("runs ") for w in work)
            advice = ": appoint another admin of each group they run" if runs_groups else ""
            raise ValidationError(
                f"{user.email} {'; '.join(work)}. Blocked, they cannot act on it{advice}. Block anyway?",
                "confirm_work",
            )
        session.execute(delete(TeamMember).where(TeamMember.user_id == user.id))
        dropped = session.execute(delete(Assignment).where(Assignment.user_id == user.id))
        details["unassigned"] = int(getattr(dropped, "rowcount", 0) or 0)
    user.is_blocked = blocked
    audit.record(
        session, admin, "account.block" if blocked else "account.unblock", "user", user.id, **details
    )
    session.flush()
    return user


def block_domain(
    session: DbSession, admin: User, domain: object, reason: object = "", confirm_accounts: bool = False
) -> BlockedDomain:
    """Refuse the domain from now on and block its existing accounts (staff accounts keep it usable).

    While accounts there are not blocked yet, the block asks for `confirm_accounts`, saying how many
    it blocks and naming the first: a typo (a big mail provider) would lock out many residents."""
    require_admin(admin)
    name = clean_domain(domain)
    why = clean_note(reason, required=False, field="reason")
    staff = session.scalar(
        select(func.count(User.id)).where(_on_domain(name), User.role != Role.RESIDENT.value)
    )
    if staff:
        raise ValidationError(f"Staff accounts use {name}; it cannot be blocked.", "domain")
    if session.scalar(select(BlockedDomain.id).where(BlockedDomain.domain == name)) is not None:
        raise Conflict(f"{name} is already blocked.", "domain")
    open_there = and_(_on_domain(name), User.is_blocked.is_(False))  # the accounts it would block now
    affected = int(session.scalar(select(func.count(User.id)).where(open_there)) or 0)
    if affected and not confirm_accounts:
        first = session.scalars(select(User.email).where(open_there).order_by(User.email).limit(3)).all()
        # Found from outside: a domain block blocked group treasurers without naming their groups, as
        # blocking one account does.
        runners = session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(open_there, Membership.is_admin.is_(True))
            .distinct()
        ).all()
        work = "".join(f" {u.email} {'; '.join(open_work(session, u))}." for u in runners[:3])
        raise ValidationError(
            f"Blocking {readable_domain(name)} also blocks {counted(affected, 'account')} there now "
            f"({first_of(first, 3, affected)}).{work} Tick the box to go ahead.",
            "confirm_accounts",
        )
    entry = BlockedDomain(domain=name, reason=why, created_by_id=admin.id, created_at=utcnow())
    session.add(entry)
    session.flush()
    blocked = _set_blocked_on(session, name, True)
    audit.record(session, admin, "domain.block", "domain", name, reason=why, accounts_blocked=blocked)
    session.flush()
    return entry


def unblock_domain(session: DbSession, admin: User, domain_id: int, unblock_accounts: bool = False) -> int:
    """Allow the domain again; with `unblock_accounts` its blocked accounts too (those blocked with it,
    and any blocked one by one: the page lists them first). Returns how many accounts were unblocked."""
    require_admin(admin)
    entry = session.get(BlockedDomain, domain_id)
    if entry is None:
        raise NotFound(f"There is no blocked domain {domain_id}.", "domain")
    name = entry.domain
    session.delete(entry)
    session.flush()
    unblocked = 0
    if unblock_accounts:
        kept = _still_blocked_under(name, list(session.scalars(select(BlockedDomain.domain))))
        if kept is not None:
            unblocked = _set_blocked_on(session, name, False, keep=kept)
    audit.record(session, admin, "domain.unblock", "domain", name, accounts_unblocked=unblocked)
    session.flush()
    return unblocked


def _still_blocked_under(name: str, others: list[str]) -> list[str] | None:
    """Which of the domain's accounts another blocked domain keeps blocked when it is allowed again:
    None when a domain above it is blocked (all of them), else the blocked subdomains'."""
    if any(name.endswith(f".{d}") for d in others):
        return None
    return [d for d in others if d.endswith(f".{name}")]


def _set_blocked_on(session: DbSession, domain: str, blocked: bool, keep: Sequence[str] = ()) -> int:
    """Block (or unblock) every account at the domain or under it, except those at or under the
    domains in `keep`; returns how many changed."""
    changed = execute_write(
        session,
        update(User)
        .where(_on_domain(domain, keep), User.is_blocked.is_(not blocked))
        .values(is_blocked=blocked)
        .execution_options(synchronize_session=False),
    ).rowcount
    return int(changed)


def blocked_counts(session: DbSession, domains: list[BlockedDomain]) -> dict[int, int]:
    """How many blocked accounts "Allow again" would unblock with each blocked domain."""
    names = [d.domain for d in domains]
    counts = {}
    for d in domains:
        kept = _still_blocked_under(d.domain, [n for n in names if n != d.domain])
        counts[d.id] = 0
        if kept is not None:
            found = select(func.count(User.id)).where(_on_domain(d.domain, kept), User.is_blocked.is_(True))
            counts[d.id] = int(session.scalar(found) or 0)
    return counts


def blocked_domains(session: DbSession) -> list[BlockedDomain]:
    return list(session.scalars(select(BlockedDomain).order_by(BlockedDomain.domain)))


def blocked_users(session: DbSession, query: str = "", limit: int = 200) -> tuple[list[User], int]:
    """The first `limit` blocked accounts whose email or display name holds `query` (any case; all
    when empty), by email, and how many match in all (found from outside: the list stopped at 200
    without saying so, and an account past it could not be unblocked from the page)."""
    where: list[ColumnElement[bool]] = [User.is_blocked.is_(True)]
    if query:
        wanted = query.lower()
        where.append(
            or_(
                func.lower(User.email).contains(wanted, autoescape=True),
                func.lower(User.display_name).contains(wanted, autoescape=True),
            )
        )
    found = list(session.scalars(select(User).where(*where).order_by(User.email).limit(limit)))
    total = int(session.scalar(select(func.count(User.id)).where(*where)) or 0)
    return found, total
