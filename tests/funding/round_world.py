"""A neighbourhood ready for a funding round: a group, admin, official, members, money, costed issues."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from app.extensions import db
from app.models import Issue, User
from app.services.issues import likes
from app.services.rounds import lifecycle
from app.services.rounds.access import pool_id_of
from tests.conftest import AuthActions
from tests.funding_fixtures import Funding, GroupRef
from tests.testcity import OLD_TOWN, RIVERSIDE

BASE_TIME = datetime(2026, 1, 1, 12, 0)


@dataclass
class RoundWorld:
    app: Flask
    client: FlaskClient
    auth: AuthActions
    funding: Funding
    make_issue: Callable[..., Issue]
    make_user: Callable[..., User]
    ref: GroupRef | None = None
    admin: User | None = None
    official: User | None = None
    members: list[User] = field(default_factory=list)
    issues: list[int] = field(default_factory=list)
    _tokens: dict[int, str] = field(default_factory=dict)

    def build(
        self, members: int = 4, pledges: tuple[int, ...] = (), costs: tuple[int, ...] = ()
    ) -> RoundWorld:
        """A group in Old Town; `pledges` (cents) come from the first members in turn; issues cost `costs`.

        Issue i (0-based) gets len(costs) - i likes from outsiders, so the list order is the ranking.
        """
        self.ref = self.funding.group("Old Town")
        self.admin = self.funding.member(self.ref, admin=True, display_name="Group Admin")
        self.official = self.make_user(role="official", display_name="City Official")
        self.members = [self.funding.member(self.ref) for _ in range(members)]
        for i, cents in enumerate(pledges):
            self.funding.pledge(self.ref, self.members[i % len(self.members)], cents)
        for i, cents in enumerate(costs):
            self.issues.append(self.costed_issue(cents, likes_from=len(costs) - i, age_days=i))
        return self

    def costed_issue(
        self, cents: int | None, *, likes_from: int = 0, age_days: int = 0, **kwargs: Any
    ) -> int:
        issue = self.make_issue(
            likes_from=likes_from, created_at=BASE_TIME - timedelta(days=100 - age_days), **kwargs
        )
        if cents is not None:
            with self.app.app_context():
                db.session.execute(
                    update(Issue).where(Issue.id == issue.id).values(cost_estimate_cents=cents)
                )
                db.session.commit()
        return issue.id

    def like(self, user: User, issue_id: int) -> None:
        with self.app.app_context():
            likes.like(db.session, db.session.get(User, user.id), issue_id)
            db.session.commit()

    def headers(self, user: User) -> dict[str, str]:
        if user.id not in self._tokens:
            self._tokens[user.id] = self.auth.token(user.email)
        return {"Authorization": f"Bearer {self._tokens[user.id]}"}

    def create(self, by: User | None = None, **terms: Any) -> dict[str, Any]:
        assert self.ref is not None
        body = {
            "group_id": self.ref.group_id,
            "name": "Spring round",
            "ballot": "approval",
            "rule": "equalshares/add1",
            "top_n": 10,
            "leftover": "rollover",
            **terms,
        }
        response = self.client.post("/api/v1/rounds", json=body, headers=self.headers(by or self.admin))
        assert response.status_code == 201, response.get_json()
        return dict(response.get_json())

    def phase(self, round_id: int, phase: str, by: User | None = None) -> Any:
        return self.client.post(
            f"/api/v1/rounds/{round_id}/phase", json={"phase": phase}, headers=self.headers(by or self.admin)
        )

    def open_voting(self, round_id: int) -> None:
        for phase in ("pledging", "voting"):
            response = self.phase(round_id, phase)
            assert response.status_code == 200, response.get_json()

    def vote(self, user: User, round_id: int, **body: Any) -> Any:
        return self.client.put(f"/api/v1/rounds/{round_id}/ballot", json=body, headers=self.headers(user))

    def tally(self, round_id: int, by: User | None = None) -> Any:
        return self.client.post(f"/api/v1/rounds/{round_id}/tally", headers=self.headers(by or self.admin))

    def certify(self, round_id: int, by: User | None = None) -> Any:
        """An official certifies the provisional result: the step that posts the money."""
        return self.client.post(
            f"/api/v1/rounds/{round_id}/certification", headers=self.headers(by or self.official)
        )

    def tally_and_certify(self, round_id: int) -> dict[str, Any]:
        """The group admin tallies, the official certifies; the certified results."""
        tallied = self.tally(round_id)
        assert tallied.status_code == 200, tallied.get_json()
        certified = self.certify(round_id)
        assert certified.status_code == 200, certified.get_json()
        return dict(certified.get_json())

    def free_pool(self) -> None:
        """End the round holding the group's pool (a pool runs one round at a time), as the city
        would: a provisional result is sent back, then the round is cancelled."""
        assert self.ref is not None
        with self.app.app_context():
            holder = lifecycle.pool_holder(db.session, pool_id_of(db.session, self.ref.group_id))
            found = None if holder is None else (holder.id, holder.phase)
        if found is None:
            return
        round_id, phase = found
        if phase == "tallied":
            assert self.send_back(round_id).status_code == 200
        cancelled = self.client.post(
            f"/api/v1/rounds/{round_id}/cancellation",
            json={"reason": "Makes way for the next round."},
            headers=self.headers(self.official or self.admin),
        )
        assert cancelled.status_code == 200, cancelled.get_json()

    def send_back(self, round_id: int, reason: str = "Recount, please.", by: User | None = None) -> Any:
        return self.client.post(
            f"/api/v1/rounds/{round_id}/send-back",
            json={"reason": reason},
            headers=self.headers(by or self.official),
        )


@pytest.fixture
def world(app, client, auth, funding, make_issue, make_user) -> RoundWorld:
    return RoundWorld(app, client, auth, funding, make_issue, make_user)


__all__ = ["OLD_TOWN", "RIVERSIDE", "RoundWorld", "world"]
