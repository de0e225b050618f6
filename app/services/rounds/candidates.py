"""Round candidates: the area's costed open issues ranked by likes, snapshotted when voting opens.

Ranking: most likes first; equal likes go to the older report (then the lower id). Issues that
hold committed money (their backers funded them) are left out, and so are those that
another round's result funds: a certified one's sit in "planned" (an open status) until
fixed, and a provisional one holds its issues until it is certified or sent back, so no issue is
funded twice.
The snapshot is taken when voting opens, so every member votes on the same list; a round without a
voting phase takes it at the tally. Before the snapshot, the list shown is the live ranking.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, and_, cast, exists, literal, select

from app.database.sessions import DbSession
from app.models import Group, Issue, LedgerLine, Round, RoundCandidate, Status
from app.models.place import StatusType
from app.services.issues.money import money_of_issues
from app.services.issues.public_titles import public_title
from budgets.accounts import FUNDED_SUFFIX, ISSUE_PREFIX
from budgets.money import format_money


@dataclass(frozen=True)
class Candidate:
    issue_id: int
    title: str
    cost_cents: int
    likes: int
    position: int
    lat: float
    lon: float
    status: str
    created_at: datetime | None = None


def live_ranking(session: DbSession, found: Round) -> list[Candidate]:
    area_id = session.scalar(select(Group.area_id).where(Group.id == found.group_id))
    funded_before = exists().where(
        and_(
            RoundCandidate.issue_id == Issue.id,
            RoundCandidate.funded.is_(True),
            RoundCandidate.round_id != found.id,
        )
    )
    # Money committed to it (its backers funded it): a round would fund it twice.
    committed = exists().where(
        LedgerLine.account == literal(ISSUE_PREFIX) + cast(Issue.id, String) + literal(FUNDED_SUFFIX),
        LedgerLine.amount_cents > 0,
    )
    rows = session.execute(
        select(
            Issue.id,
            Issue.title,
            Issue.cost_estimate_cents,
            Issue.likes_count,
            Issue.lat,
            Issue.lon,
            Issue.status,
            Issue.created_at,
        )
        .join(Status, Status.code == Issue.status)
        .where(
            Issue.area_id == area_id,
            Issue.is_hidden.is_(False),  # the public cannot see it, so cannot vote for it
            Issue.cost_estimate_cents.is_not(None),
            Status.type == StatusType.OPEN.value,
            ~funded_before,
            ~committed,
        )
        .order_by(Issue.likes_count.desc(), Issue.created_at.asc(), Issue.id.asc())
        .limit(found.top_n)
    ).tuples()
    ranking = []
    for position, (i, title, cost, likes, lat, lon, status, created) in enumerate(rows, start=1):
        assert cost is not None  # the query keeps only costed issues
        ranking.append(Candidate(i, title, int(cost), likes, position, lat, lon, status, created))
    return ranking


def snapshot_rows(session: DbSession, round_id: int) -> list[Candidate]:
    rows = session.execute(
        select(
            RoundCandidate.issue_id,
            public_title(),
            RoundCandidate.cost_cents,
            RoundCandidate.likes,
            RoundCandidate.position,
            Issue.lat,
            Issue.lon,
            Issue.status,
        )
        .join(Issue, Issue.id == RoundCandidate.issue_id)
        .where(RoundCandidate.round_id == round_id)
        .order_by(RoundCandidate.position)
    ).tuples()
    return [Candidate(*row) for row in rows]


def has_snapshot(session: DbSession, round_id: int) -> bool:
    return (
        session.scalar(select(RoundCandidate.id).where(RoundCandidate.round_id == round_id).limit(1))
        is not None
    )


def snapshot(session: DbSession, found: Round) -> list[Candidate]:
    """Freeze the round's candidate list (once); later calls return the frozen list."""
    if has_snapshot(session, found.id):
        return snapshot_rows(session, found.id)
    ranked = live_ranking(session, found)
    store_snapshot(session, found.id, ranked)
    return ranked


def store_snapshot(session: DbSession, round_id: int, ranked: list[Candidate]) -> None:
    """Write `ranked` as the round's frozen candidate list."""
    session.add_all(
        RoundCandidate(
            round_id=round_id,
            issue_id=c.issue_id,
            position=c.position,
            cost_cents=c.cost_cents,
            likes=c.likes,
        )
        for c in ranked
    )
    session.flush()


def current(session: DbSession, found: Round) -> tuple[list[Candidate], bool]:
    """The round's candidates and whether they are the frozen snapshot (True) or the live ranking."""
    if has_snapshot(session, found.id):
        return snapshot_rows(session, found.id), True
    return live_ranking(session, found), False


def withdrawn(session: DbSession, issue_ids: list[int]) -> dict[int, str]:
    """Of a round's candidates, those no longer on offer, each with why in words: funded (by its backers,
    since the list was made), closed as a duplicate, moved to a status that is not open (fixed, or no
    further action), or hidden by the moderators.

    The tally leaves them out and a certification refuses to fund them (found from outside: a problem
    closed as a duplicate while its round was voting was funded beside its original, and certifying
    moved it from Duplicate to Planned; a problem its backers funded while the result was provisional
    got the pool's money too)."""
    if not issue_ids:
        return {}
    rows = session.execute(
        select(Issue.id, Issue.duplicate_of_id, Issue.is_hidden, Status.name, Status.type)
        .join(Status, Status.code == Issue.status)
        .where(Issue.id.in_(issue_ids))
    ).tuples()
    money = money_of_issues(session, issue_ids)
    found: dict[int, str] = {}
    for issue_id, duplicate_of, hidden, status_name, status_type in rows:
        if money[issue_id].funded:
            committed = format_money(money[issue_id].committed_cents, money[issue_id].currency)
            found[issue_id] = f"funded by its backers: {committed} is committed to its fix"
        elif duplicate_of is not None:
            found[issue_id] = f"closed as a duplicate of #{duplicate_of}"
        elif status_type == StatusType.FIXED.value:
            found[issue_id] = f"marked \u201c{status_name}\u201d: it is fixed already"
        elif status_type != StatusType.OPEN.value:
            found[issue_id] = f"marked \u201c{status_name}\u201d: the city no longer works on it"
        elif hidden:
            found[issue_id] = "hidden by the moderators"
    return found
