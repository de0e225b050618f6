"""A round whose voters hold one-time codes or are on the census, with officials who enter paper ballots."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import func, select, update

from app.extensions import db
from app.models import (
    AuditEntry,
    CensusEntry,
    CensusUpload,
    Group,
    PaperBallot,
    PaperBallotEntry,
    Round,
    User,
    VotingCode,
)
from app.services.rounds.voter_keys import census_hash, new_salt
from tests.funding.round_world import RoundWorld

COSTS = (3000, 2000, 1500, 1000)


@dataclass
class PaperWorld:
    """Helpers over a RoundWorld: eligibility set directly, census rows, codes, paper entries."""

    world: RoundWorld
    clerks: list[User] = field(default_factory=list)

    def setup(self, pledges: tuple[int, ...] = (3000, 3000)) -> PaperWorld:
        self.world.build(members=4, pledges=pledges, costs=COSTS)
        assert self.world.official is not None
        self.clerks = [self.world.official] + [
            self.world.make_user(role="official", display_name=f"Clerk {n}") for n in (2, 3)
        ]
        return self

    def round(self, eligibility: str, *, voting: bool = True, **terms: Any) -> int:
        rid = int(self.world.create(**terms)["id"])
        with self.world.app.app_context():
            db.session.execute(update(Round).where(Round.id == rid).values(eligibility=eligibility))
            db.session.commit()
        if voting:
            self.world.open_voting(rid)
        return rid

    def census(self, identifiers: dict[str, User | None]) -> None:
        """The group's area's census: identifier -> the resident verified with it (or None)."""
        assert self.world.ref is not None
        with self.world.app.app_context():
            area_id = db.session.scalar(select(Group.area_id).where(Group.id == self.world.ref.group_id))
            upload = CensusUpload(area_id=area_id, salt=new_salt(), entries_count=len(identifiers))
            db.session.add(upload)
            db.session.flush()
            for identifier, user in identifiers.items():
                db.session.add(
                    CensusEntry(
                        upload_id=upload.id,
                        id_hash=census_hash(upload.salt, identifier),
                        user_id=None if user is None else user.id,
                    )
                )
            db.session.commit()

    def batch(
        self, rid: int, count: int = 3, label: str = "Library, Saturday", by: User | None = None
    ) -> Any:
        return self.world.client.post(
            f"/api/v1/rounds/{rid}/code-batches",
            json={"count": count, "label": label},
            headers=self.world.headers(by or self.clerks[0]),
        )

    def codes(self, rid: int, count: int = 3) -> list[str]:
        response = self.batch(rid, count)
        assert response.status_code == 201, response.get_json()
        return list(response.get_json()["codes"])

    def claim(self, user: User, rid: int, code: object) -> Any:
        return self.world.client.post(
            f"/api/v1/rounds/{rid}/code-claims", json={"code": code}, headers=self.world.headers(user)
        )

    def enter(self, clerk: User, rid: int, **body: Any) -> Any:
        return self.world.client.post(
            f"/api/v1/rounds/{rid}/paper-ballots", json=body, headers=self.world.headers(clerk)
        )

    def twice(self, rid: int, **body: Any) -> None:
        """Two officials enter the same paper ballot: it counts."""
        for clerk in self.clerks[:2]:
            response = self.enter(clerk, rid, **body)
            assert response.status_code == 200, response.get_json()
        assert response.get_json()["status"] == "agreed"

    def rows(self, model: Any, **where: Any) -> int:
        with self.world.app.app_context():
            query = select(func.count()).select_from(model)
            for name, value in where.items():
                query = query.where(getattr(model, name) == value)
            return int(db.session.scalar(query) or 0)

    def state(self, rid: int) -> dict[str, Any]:
        """Everything entering or claiming could store, to check that a refusal stored nothing."""
        with self.world.app.app_context():
            return {
                "papers": list(
                    db.session.execute(
                        select(PaperBallot.id, PaperBallot.status, PaperBallot.entries_count)
                        .where(PaperBallot.round_id == rid)
                        .order_by(PaperBallot.id)
                    ).tuples()
                ),
                "entries": self.rows_entries(rid),
                "codes": list(
                    db.session.execute(
                        select(VotingCode.id, VotingCode.used_at, VotingCode.used_via, VotingCode.user_id)
                        .where(VotingCode.round_id == rid)
                        .order_by(VotingCode.id)
                    ).tuples()
                ),
                "audit": int(db.session.scalar(select(func.count()).select_from(AuditEntry)) or 0),
            }

    def rows_entries(self, rid: int) -> int:
        with self.world.app.app_context():
            return int(
                db.session.scalar(
                    select(func.count())
                    .select_from(PaperBallotEntry)
                    .join(PaperBallot, PaperBallot.id == PaperBallotEntry.paper_ballot_id)
                    .where(PaperBallot.round_id == rid)
                )
                or 0
            )

    def audit(self, action: str, rid: int) -> list[tuple[int | None, dict[str, Any]]]:
        with self.world.app.app_context():
            return [
                (actor, dict(details or {}))
                for actor, details in db.session.execute(
                    select(AuditEntry.actor_id, AuditEntry.details)
                    .where(AuditEntry.action == action, AuditEntry.target_id == str(rid))
                    .order_by(AuditEntry.id)
                ).tuples()
            ]


@pytest.fixture
def paper(world: RoundWorld) -> PaperWorld:
    return PaperWorld(world)
