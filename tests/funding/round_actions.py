"""The round actions' table and its helpers: who may do what (role x action), how each action is made
ready and performed through the API, and what a refused action must leave untouched."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEntry, LedgerPosting, Round, User
from app.models.timestamps import utcnow
from tests.funding.money_world import MONEY_ACTIONS, funded_problem, perform_money
from tests.funding.round_world import RoundWorld
from tests.paper import role_actions as paper_roles
from tests.paper.role_actions import PAPER_ACTIONS

COSTS = (3000, 2000, 1500, 1000)
ROLES = ("group admin", "member", "non-member", "official", "admin")
ACTIONS = (
    "create",
    "change eligibility",
    "open",
    "close",
    "tally",
    "certify",
    "send back",
    "release held tally",
    "cancel before voting",
    "cancel while voting",
    *PAPER_ACTIONS,
    *MONEY_ACTIONS,
)
CREATED = {"create", "code batch", "pay out"}
RUNNERS = {"group admin", "official", "admin"}
OFFICIALS = {"official", "admin"}
# Who may: group admins run their group's round; only the city (official, admin) certifies.
ALLOWED = {
    "create": RUNNERS,
    "change eligibility": RUNNERS,
    "open": RUNNERS,
    "close": RUNNERS,
    "tally": RUNNERS,
    "certify": OFFICIALS,
    "send back": OFFICIALS,
    "release held tally": OFFICIALS,
    "cancel before voting": RUNNERS,  # a round set up by mistake
    "cancel while voting": OFFICIALS,
    **dict.fromkeys(PAPER_ACTIONS, OFFICIALS),
    "pay out": OFFICIALS,
    "return remainder": OFFICIALS,
}
AUDITED = {
    "create": "round.create",
    "change eligibility": "round.eligibility",
    "open": "round.phase",
    "close": "round.voting_close",
    "tally": "round.tally",
    "certify": "round.certify",
    "send back": "round.send_back",
    "release held tally": "round.release",
    "cancel before voting": "round.cancel",
    "cancel while voting": "round.cancel",
    **paper_roles.AUDITED,
    "pay out": "issue.payout",
    "return remainder": "issue.return",
}


def iso(delta: timedelta) -> str:
    return (utcnow() + delta).replace(microsecond=0).isoformat() + "Z"


def audit_of(world: RoundWorld, action: str, rid: int) -> list[int | None]:
    with world.app.app_context():
        return list(
            db.session.scalars(
                select(AuditEntry.actor_id)
                .where(AuditEntry.action == action, AuditEntry.target_id == str(rid))
                .order_by(AuditEntry.id)
            )
        )


def allocations(world: RoundWorld, rid: int) -> int:
    with world.app.app_context():
        return int(
            db.session.scalar(
                select(func.count())
                .select_from(LedgerPosting)
                .where(LedgerPosting.round_id == rid, LedgerPosting.kind == "allocation")
            )
            or 0
        )


def round_row(world: RoundWorld, rid: int) -> dict[str, Any]:
    with world.app.app_context():
        found = db.session.get(Round, rid)
        return {
            "phase": found.phase,
            "result_status": found.result_status,
            "voting_closed_at": found.voting_closed_at,
            "turnout_released_at": found.turnout_released_at,
            "tally_token": found.tally_token,
            "eligibility": found.eligibility,
        }


def postings(world: RoundWorld, rid: int) -> int:
    with world.app.app_context():
        return int(
            db.session.scalar(
                select(func.count()).select_from(LedgerPosting).where(LedgerPosting.round_id == rid)
            )
            or 0
        )


def voting_round(world: RoundWorld, voters: int = 2, **terms: Any) -> int:
    rid = world.create(**terms)["id"]
    world.open_voting(rid)
    a, b, c, _d = world.issues
    for member, ids in zip(world.members[:voters], ([a, b], [a], [c]), strict=False):
        assert world.vote(member, rid, issue_ids=ids).status_code == 200
    return rid


def timed_round(world: RoundWorld, name: str, opens: datetime, closes: datetime) -> int:
    """A most-votes-first approval round with a voting window (UTC times), still a draft."""
    made = world.create(
        ballot="approval",
        rule="greedy",
        name=name,
        opens_at=opens.isoformat() + "Z",
        closes_at=closes.isoformat() + "Z",
    )
    return int(made["id"])


def ready_for(world: RoundWorld, action: str) -> int | None:
    """A round in the state `action` needs (made by the group admin and the official); for the money
    actions, a funded problem."""
    if action == "create":
        return None
    world.free_pool()  # a pool runs one round at a time: the last action's round makes way
    if action in ("change eligibility", "cancel before voting"):
        return int(world.create()["id"])
    if action in MONEY_ACTIONS:
        return funded_problem(world)
    if action == "open":
        rid = world.create()["id"]
        assert world.phase(rid, "pledging").status_code == 200
        return rid
    if action == "release held tally":  # held once voting has closed below the minimum
        rid = voting_round(world, voters=1, min_turnout=3)
        closing = world.client.post(f"/api/v1/rounds/{rid}/voting-close", headers=world.headers(world.admin))
        assert closing.status_code == 200
        return rid
    if action in PAPER_ACTIONS:
        return paper_roles.ready(world, action)
    rid = voting_round(world)
    if action in ("certify", "send back"):
        assert world.tally(rid).status_code == 200
    return rid


def perform(world: RoundWorld, action: str, rid: int | None, user: User) -> Any:
    headers = world.headers(user)
    post = world.client.post
    if action == "create":
        assert world.ref is not None
        body = {"group_id": world.ref.group_id, "name": "By role", "ballot": "approval"}
        body |= {"rule": "greedy", "top_n": 5, "leftover": "rollover"}
        return post("/api/v1/rounds", json=body, headers=headers)
    if action == "change eligibility":
        return world.client.patch(f"/api/v1/rounds/{rid}", json={"eligibility": "census"}, headers=headers)
    if action in MONEY_ACTIONS:
        return perform_money(world, action, rid, headers)
    paths = {
        "open": ("phase", {"phase": "voting"}),
        "close": ("voting-close", None),
        "tally": ("tally", None),
        "certify": ("certification", None),
        "send back": ("send-back", {"reason": "The count needs a second look."}),
        "release held tally": ("turnout-release", None),
        "cancel before voting": ("cancellation", {"reason": "Set up by mistake."}),
        "cancel while voting": ("cancellation", {"reason": "The street works moved."}),
    }
    path, body = paper_roles.request_of(world, action, rid or 0) if action in PAPER_ACTIONS else paths[action]
    return post(f"/api/v1/rounds/{rid}/{path}", json=body, headers=headers)


def actor(world: RoundWorld, role: str) -> User:
    assert world.ref is not None
    if role == "group admin":
        assert world.admin is not None
        return world.admin
    if role == "member":
        return world.members[-1]
    if role == "official":
        assert world.official is not None
        return world.official
    if role == "admin":
        return world.make_user(role="admin", display_name="City Admin")
    return world.make_user(display_name="Not A Member")
