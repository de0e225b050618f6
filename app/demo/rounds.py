"""Demo participatory-budgeting rounds: costed problems, one tallied round with results, one taking
pledges, and one open for voting where half the members have voted, so a demo resident can cast a ballot.

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


def _open_for_voting(
    session: DbSession, official: User, group: Group, settings: dict[str, object]
) -> tuple[int, list[int], list[int]]:
    """A round of `group` with `settings`, taken through pledging to voting: its id, its candidates and
    the group's members (each by id). A small demo city may have nothing costed in the group's area to
    vote on: the round then stays taking pledges, with no candidates."""
    made = rounds.create_round(session, official, {"group_id": group.id, "voting": True, **settings})
    rounds.advance(session, official, made.id, "pledging")
    if not candidates.live_ranking(session, made):
        return made.id, [], []
    rounds.advance(session, official, made.id, "voting")
    on_ballot = sorted(c.issue_id for c in candidates.snapshot_rows(session, made.id))
    members = session.scalars(
        select(Membership.user_id).where(Membership.group_id == group.id).order_by(Membership.user_id)
    )
    return made.id, on_ballot, list(members)


def _vote(session: DbSession, user_id: int, round_id: int, issue_ids: list[int]) -> None:
    member = session.get(User, user_id)
    assert member is not None
    ballots.cast_ballot(session, member, round_id, {"issue_ids": issue_ids})


def seed_rounds(session: DbSession, official_email: str) -> str:
    """Cost the top problems of three neighbourhoods; tally and certify a round in the first, take pledges
    in the second, and open the third's for voting."""
    official = session.scalar(select(User).where(User.email == official_email))
    groups = list(session.scalars(select(Group).order_by(Group.id).limit(3)))
    if official is None or len(groups) < 3:
        return ""
    rng = random.Random(11)
    for group in groups:
        for issue_id in _open_issues(session, group.area_id, 8):
            estimates.set_estimate(session, official, issue_id, rng.choice(COSTS_CENTS))

    first, second, third = groups
    autumn, on_ballot, members = _open_for_voting(
        session,
        official,
        first,
        {
            "name": "Autumn 2026",
            "ballot": "approval",
            "rule": "equalshares/add1",
            "top_n": 6,
            "match_ratio": "1:1",
            "match_cap_cents": 10_000,
            "leftover": "rollover",
        },
    )
    if not on_ballot:
        return f"1 round ({first.name}: pledging, nothing to vote on)."
    for user_id in members:
        liked = set(session.scalars(select(Like.issue_id).where(Like.user_id == user_id)))
        # Members vote for the candidates they liked, or for two they pick at random.
        choice = sorted((liked & set(on_ballot)) or set(rng.sample(on_ballot, min(2, len(on_ballot)))))
        _vote(session, user_id, autumn, choice)
    tally.tally_now(session, official, autumn, "demo-seed")
    session.flush()
    certification.certify(session, official, autumn)  # the city certifies: the money is posted

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

    spring, on_ballot, members = _open_for_voting(
        session,
        official,
        third,
        {
            "name": "Spring 2027",
            "ballot": "approval",
            "rule": "exactequalshares/addopt",
            "top_n": 6,
            "leftover": "rollover",
        },
    )
    for user_id in members[: len(members) // 2]:  # the rest have a ballot waiting
        _vote(session, user_id, spring, rng.sample(on_ballot, min(3, len(on_ballot))))
    session.flush()
    spring_phase = "voting" if on_ballot else "pledging, nothing to vote on"
    return f"3 rounds ({first.name}: tallied; {second.name}: pledging; {third.name}: {spring_phase})."
