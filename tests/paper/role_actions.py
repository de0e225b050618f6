"""The role x action table's rows for voting codes and paper ballots: a round ready for each action, and
the request that performs it (the table is in tests/funding/test_round_certification.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from app.extensions import db
from app.models import Round
from tests.funding.round_world import RoundWorld

# Voting codes are votes, and paper ballots are typed by the city: officials (and admins) only.
PAPER_ACTIONS = ("code batch", "paper ballot")
AUDITED = {"code batch": "round.code_batch", "paper ballot": "round.paper_entry"}
_CODES: dict[int, str] = {}  # round id -> an unused voting code for the "paper ballot" action


def ready(world: RoundWorld, action: str) -> int:
    """A codes round: in its draft for a batch; voting open, with one code generated, for a paper ballot."""
    rid = int(world.create()["id"])
    with world.app.app_context():
        db.session.execute(update(Round).where(Round.id == rid).values(eligibility="codes"))
        db.session.commit()
    if action == "paper ballot":
        world.open_voting(rid)
        assert world.official is not None
        batch = world.client.post(
            f"/api/v1/rounds/{rid}/code-batches", json={"count": 1}, headers=world.headers(world.official)
        )
        _CODES[rid] = batch.get_json()["codes"][0]
    return rid


def request_of(world: RoundWorld, action: str, rid: int) -> tuple[str, dict[str, Any]]:
    if action == "code batch":
        return "code-batches", {"count": 2, "label": "By role"}
    return "paper-ballots", {"code": _CODES[rid], "issue_ids": world.issues[:1]}
