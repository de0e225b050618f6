"""Demo neighbourhood groups: one per area, a few members (the first an admin) and confirmed pledges."""

from __future__ import annotations

import random

from sqlalchemy import select

from app.database.sessions import DbSession
from app.models import Area, Pool, User
from app.services.funding import groups, pledges
from app.services.funding.payments import TestProvider, TreasurerConfirmed

MEMBERS_PER_GROUP = 6
AMOUNTS = (500, 1000, 1500, 2000, 2500, 5000)


def seed_funding(session: DbSession, resident_ids: list[int], official_id: int | None = None) -> str:
    """Deterministic: the same areas and residents always give the same groups, members and pledges."""
    rng = random.Random(5)
    official = session.get(User, official_id) if official_id else None
    areas = list(session.execute(select(Area.id, Area.name).order_by(Area.id)).tuples())
    ids = sorted(resident_ids)
    members = pledged = 0
    for index, (area_id, area_name) in enumerate(areas):
        group = groups.create_group(
            session,
            official,
            area_id,
            f"{area_name} neighbours",
            description=f"Residents of {area_name} pooling small amounts to fix local problems.",
        )
        start = (index * MEMBERS_PER_GROUP) % max(len(ids), 1)
        chosen = (ids[start:] + ids[:start])[:MEMBERS_PER_GROUP]
        pool_id = groups.get_group_row(session, group.id).pool_id
        pool = session.get(Pool, pool_id)
        assert pool is not None
        pool.payment_details = (
            f"Transfer to {area_name} neighbours, IBAN NL{index + 10} DEMO 0000 0000 0{index + 1} (a demo "
            "account: send nothing), or cash to the treasurer at the monthly meeting."
        )
        for position, user_id in enumerate(chosen):
            user = session.get(User, user_id)
            assert user is not None
            groups.join(session, user, group.id, as_admin=position == 0)
            members += 1
            if position == 0:
                continue  # the treasurer
            provider = TestProvider() if position % 3 else TreasurerConfirmed()  # some stay pending
            pledges.pledge(
                session,
                user,
                pool_id,
                rng.choice(AMOUNTS),
                f"demo-{group.id}-{user_id}",
                provider,
                show_name=position % 2 == 0,
            )
            pledged += 1
    session.flush()
    return f"{len(areas)} neighbourhood groups, {members} members, {pledged} pledges."
