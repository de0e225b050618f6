"""Demo participatory-budgeting rounds: costed problems, one tallied round with results, one open round.

Deterministic like the rest of the demo city, so `make run` shows the whole funding story at once.
"""

from __future__ import annotations

import random

from sqlalchemy import select

from app.database.sessions import DbSession
from app.models import Group, Issue, Like, Membership, Status, User
from app.services.rounds import ballots, candidates, certification, tally
from app.services.rounds import lifecycle as rounds
from app.services.workflow import estimates

COSTS_CENTS = (4_500, 6_000, 8_000, 9_500, 12_000, 15_000, 18_000, 25_000)


def _open_issues(session: DbSession, area_id: int, limit: int) -> list[int]:
    return list(
        session.scalars(
            select(Issue.id)
            .join(Status, Status.code == Issue.status)
            .where(Issue.area_id == area_id, Status.type == "open", Issue.status != "planned")
            .order_by(Issue.likes_count.desc(), Issue.created_at, Issue.id)
            .limit(limit)
        )
    )


def seed_rounds(session: DbSession, official_email: str) -> str:
    """Cost the top problems of two neighbourhoods; tally and certify a round in the first, open one in the
    second."""
    official = session.scalar(select(User).where(User.email == official_email))
    groups = list(session.scalars(select(Group).order_by(Group.id).limit(2)))
    if official is None or len(groups) < 2:
        return ""
    rng = random.Random(11)
    for group in groups:
        for issue_id in _open_issues(session, group.area_id, 8):
            estimates.set_estimate(session, official, issue_id, rng.choice(COSTS_CENTS))

    first, second = groups
    autumn = rounds.create_round(
        session,
        official,
        {
            "group_id": first.id,
            "name": "Autumn 2026",
            "ballot": "approval",
            "rule": "equalshares/add1",
            "top_n": 6,
            "match_ratio": "1:1",
            "match_cap_cents": 10_000,
            "leftover": "rollover",
            "voting": True,
        },
    )
    rounds.advance(session, official, autumn.id, "pledging")
    rounds.advance(session, official, autumn.id, "voting")
    on_ballot = {c.issue_id for c in candidates.snapshot_rows(session, autumn.id)}
    members = list(session.scalars(select(Membership.user_id).where(Membership.group_id == first.id)))
    for user_id in members:
        liked = set(session.scalars(select(Like.issue_id).where(Like.user_id == user_id)))
        # Members vote for the candidates they liked, or for two they pick at random.
        choice = sorted((liked & on_ballot) or set(rng.sample(sorted(on_ballot), 2)))
        member = session.get(User, user_id)
        assert member is not None
        ballots.cast_ballot(session, member, autumn.id, {"issue_ids": choice})
    tally.tally_now(session, official, autumn.id, "demo-seed")
    session.flush()
    certification.certify(session, official, autumn.id)  # the city certifies: the money is posted

    winter = rounds.create_round(
        session,
        official,
        {
            "group_id": second.id,
            "name": "Winter 2026/27",
            "ballot": "k-approval",
            "k": 3,
            "rule": "greedy",
            "top_n": 6,
            "leftover": "refund",
            "voting": True,
        },
    )
    rounds.advance(session, official, winter.id, "pledging")
    session.flush()
    return f"2 rounds ({first.name}: tallied; {second.name}: pledging)."
