"""The like benchmark's bookkeeping: residents' tokens, never-liked (resident, issue) pairs, and the audit
that proves no like was lost or doubled, then puts the database back as it was.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from app.models import ApiToken, Issue, Like, User
from app.services.accounts.users import issue_token

HOT_ISSUES = 20  # a few popular issues take a share of the likes, so counters are contended
HOT_SHARE = 0.2


@dataclass(frozen=True)
class Snapshot:
    rows: int
    likes_sum: int
    max_id: int


def snapshot(session: Session) -> Snapshot:
    rows, max_id = session.execute(select(func.count(Like.id), func.coalesce(func.max(Like.id), 0))).one()
    likes_sum = session.scalar(select(func.coalesce(func.sum(Issue.likes_count), 0)))
    return Snapshot(int(rows), int(likes_sum or 0), int(max_id))


@dataclass
class LikePlan:
    """Tokens of `residents` demo residents and the pairs handed out so far (each used once)."""

    tokens: dict[int, str]
    issue_ids: list[int]
    taken: set[tuple[int, int]]
    rng: random.Random = field(default_factory=lambda: random.Random(2))
    token_ids: list[int] = field(default_factory=list)

    def pairs(self, count: int) -> list[tuple[int, int]]:
        """`count` new (user_id, issue_id) pairs: none liked before, none handed out before."""
        users = list(self.tokens)
        hot = self.issue_ids[:HOT_ISSUES]
        chosen: list[tuple[int, int]] = []
        attempts = 0
        while len(chosen) < count:
            attempts += 1
            if attempts > count * 50:
                raise RuntimeError("could not find enough never-liked (resident, issue) pairs")
            user = self.rng.choice(users)
            issue = self.rng.choice(hot) if self.rng.random() < HOT_SHARE else self.rng.choice(self.issue_ids)
            if (user, issue) not in self.taken:
                self.taken.add((user, issue))
                chosen.append((user, issue))
        return chosen


def prepare(session: Session, residents: int) -> LikePlan:
    """Bearer tokens for `residents` demo residents, made beforehand (as a client would hold them)."""
    users = list(
        session.scalars(select(User).where(User.role == "resident").order_by(User.id).limit(residents))
    )
    tokens: dict[int, str] = {}
    for user in users:
        tokens[user.id] = issue_token(session, user, timedelta(hours=6)).token
    token_ids = list(session.scalars(select(ApiToken.id).where(ApiToken.user_id.in_(list(tokens)))))
    session.commit()
    taken: set[tuple[int, int]] = set()
    user_ids = list(tokens)
    for start in range(0, len(user_ids), 500):
        chunk = user_ids[start : start + 500]
        taken.update(
            (int(u), int(i))
            for u, i in session.execute(select(Like.user_id, Like.issue_id).where(Like.user_id.in_(chunk)))
        )
    # Most-liked first, so the "hot" issues are the ones residents really pile onto.
    issue_ids = [
        int(i) for i in session.scalars(select(Issue.id).order_by(Issue.likes_count.desc(), Issue.id))
    ]
    session.rollback()
    return LikePlan(tokens, issue_ids, taken, token_ids=token_ids)


@dataclass(frozen=True)
class Audit:
    expected: int  # distinct new pairs that reached the server
    rows_added: int
    likes_count_added: int
    exact_pairs: bool  # the new rows are exactly the expected pairs
    inconsistent_issues: int  # touched issues whose likes_count differs from their like rows

    @property
    def ok(self) -> bool:
        return (
            self.exact_pairs
            and self.rows_added == self.expected == self.likes_count_added
            and self.inconsistent_issues == 0
        )


def audit(session: Session, before: Snapshot, sent: set[tuple[int, int]]) -> Audit:
    after = snapshot(session)
    new_rows = {
        (int(u), int(i))
        for u, i in session.execute(select(Like.user_id, Like.issue_id).where(Like.id > before.max_id))
    }
    touched = sorted({issue for _, issue in sent})
    inconsistent = 0
    for start in range(0, len(touched), 500):
        chunk = touched[start : start + 500]
        per_issue = select(Like.issue_id, func.count(Like.id)).where(Like.issue_id.in_(chunk))
        counted = {int(i): int(n) for i, n in session.execute(per_issue.group_by(Like.issue_id))}
        stored_rows = session.execute(select(Issue.id, Issue.likes_count).where(Issue.id.in_(chunk)))
        stored = {int(i): int(n) for i, n in stored_rows}
        inconsistent += sum(1 for issue in chunk if counted.get(issue, 0) != stored.get(issue))
    session.rollback()
    return Audit(
        expected=len(sent),
        rows_added=after.rows - before.rows,
        likes_count_added=after.likes_sum - before.likes_sum,
        exact_pairs=new_rows == sent,
        inconsistent_issues=inconsistent,
    )


def restore(session: Session, before: Snapshot, plan: LikePlan) -> Snapshot:
    """Remove the benchmark's likes and tokens, so the cached database stays as loaded."""
    # The issues' likes_count follows by trigger.
    session.execute(delete(Like).where(Like.id > before.max_id))
    session.execute(delete(ApiToken).where(ApiToken.id.in_(plan.token_ids)))
    session.commit()
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        session.commit()
    else:
        # Each like rewrote its issue's row; until a vacuum, PostgreSQL's index-only scans visit the heap
        # for those pages (the officials' dashboard measured right after: ~255-300 ms instead of ~150 ms).
        # The database goes back to the state it was loaded in, vacuumed, whichever benchmark runs next.
        with session.get_bind().connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    return snapshot(session)
