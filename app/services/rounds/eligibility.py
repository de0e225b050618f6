"""Who may vote in a round: the one check the ballot page, the ballot API and the tally share.

A round's policy (Round.eligibility) is one of app/models/eligibility.Eligibility:
- members: confirmed members of the round's group who had joined by the time voting opened;
- census: confirmed residents verified against the current census of the group's area;
- codes: confirmed residents who claimed one of the round's voting codes online.
`refusal` answers None (may vote) or why not and what to do; `eligible_voters` is the same rule as
one SQL query of user ids, so the tally counts exactly the ballots the ballot page would take.
The policy is chosen at creation and may change (audited) until voting opens; then it is frozen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import Select, func, select, update

from app.database.sessions import DbSession, execute_write
from app.models import Area, CensusEntry, CensusUpload, Group, Membership, Round, User, VotingCode
from app.models.eligibility import CodeUse, Eligibility
from app.models.rounds import PHASE_ORDER, Phase
from app.services.kernel import audit
from app.services.kernel.errors import Conflict, PermissionDenied, ValidationError
from app.services.rounds.access import get_round, require_runner

POLICIES = tuple(p.value for p in Eligibility)
POLICY_WORDS = {
    Eligibility.MEMBERS.value: "confirmed members of the group",
    Eligibility.CENSUS.value: "residents verified against the area's census",
    Eligibility.CODES.value: "holders of a voting code",
}


@dataclass(frozen=True)
class Refusal:
    """Why a resident may not vote, and what they can do about it (`action` picks the page's link)."""

    reason: str
    todo: str
    action: str  # confirm | join | wait | verify | contact | code

    @property
    def message(self) -> str:
        return f"{self.reason} {self.todo}"


def parse_policy(raw: object) -> str:
    if raw is None:
        return Eligibility.MEMBERS.value
    if raw not in POLICIES:
        raise ValidationError(f"eligibility must be one of: {', '.join(POLICIES)}.", "eligibility")
    return str(raw)


def voting_opened(found: Round) -> bool:
    return PHASE_ORDER.index(found.phase) >= PHASE_ORDER.index(Phase.VOTING) or found.voting_at is not None


def current_census(session: DbSession, area_id: int) -> CensusUpload | None:
    """The area's census: its newest upload that no later one replaced."""
    return session.scalars(
        select(CensusUpload)
        .where(CensusUpload.area_id == area_id, CensusUpload.replaced_at.is_(None))
        .order_by(CensusUpload.uploaded_at.desc(), CensusUpload.id.desc())
        .limit(1)
    ).first()


def contact() -> str:
    return str(current_app.config["CENSUS_CONTACT"])


def eligible_voters(found: Round, area_id: int) -> Select[tuple[int]]:
    """The user ids that may vote in `found` now (confirmed, not deleted, and the policy's test)."""
    query = select(User.id).where(User.email_confirmed_at.is_not(None), User.deleted_at.is_(None))
    if found.eligibility == Eligibility.CENSUS.value:
        current = (
            select(CensusUpload.id)
            .where(CensusUpload.area_id == area_id, CensusUpload.replaced_at.is_(None))
            .scalar_subquery()
        )
        return query.join(CensusEntry, CensusEntry.user_id == User.id).where(
            CensusEntry.upload_id.in_(current)
        )
    if found.eligibility == Eligibility.CODES.value:
        return query.join(VotingCode, VotingCode.user_id == User.id).where(
            VotingCode.round_id == found.id, VotingCode.used_via == CodeUse.ONLINE.value
        )
    joined = query.join(Membership, Membership.user_id == User.id).where(
        Membership.group_id == found.group_id
    )
    if found.voting_at is not None:
        joined = joined.where(Membership.joined_at <= found.voting_at)
    return joined


def area_of(session: DbSession, found: Round) -> tuple[int, str]:
    row = session.execute(
        select(Area.id, Area.name).join(Group, Group.area_id == Area.id).where(Group.id == found.group_id)
    ).one()
    return int(row[0]), str(row[1])


def refusal(session: DbSession, user: User | None, found: Round) -> Refusal | None:
    """None when `user` may vote in `found`; otherwise why not and what to do."""
    if user is None:
        return Refusal("Only residents with an account can vote.", "Log in first.", "login")
    if not user.email_confirmed:
        return Refusal(
            "Only residents with a confirmed email address can vote.",
            "Confirm your email first: follow the link we mailed you.",
            "confirm",
        )
    area_id, area_name = area_of(session, found)
    if session.scalar(eligible_voters(found, area_id).where(User.id == user.id).limit(1)) is not None:
        return None
    if found.eligibility == Eligibility.CENSUS.value:
        if current_census(session, area_id) is None:
            return Refusal(
                f"This round is open to residents on {area_name}'s census, and the city has not "
                "uploaded it yet.",
                f"Contact {contact()}.",
                "contact",
            )
        return Refusal(
            f"Only residents verified against {area_name}'s census can vote in this round.",
            f"Verify that you live in {area_name}: enter the identifier from your letter.",
            "verify",
        )
    if found.eligibility == Eligibility.CODES.value:
        return Refusal(
            "This round is open to holders of a voting code.",
            "Enter the voting code you were given.",
            "code",
        )
    membership = session.scalar(
        select(Membership.joined_at).where(
            Membership.group_id == found.group_id, Membership.user_id == user.id
        )
    )
    if membership is not None:
        return Refusal(
            "You joined the group after voting opened; only members who had joined by then vote in "
            "this round.",
            "You can vote in the group's next round.",
            "wait",
        )
    if voting_opened(found):
        # Found from outside: "Join the group first" led a resident to join, only to be told that
        # joining after voting opened does not count.
        return Refusal(
            "Only members who had joined the neighbourhood group when voting opened can vote in this round.",
            "Join the group to vote in its next round.",
            "join",
        )
    return Refusal(
        "Only confirmed members of the neighbourhood group can vote in this round.",
        "Join the group first.",
        "join",
    )


def require_eligible(session: DbSession, user: User, found: Round) -> None:
    """403 naming the reason and what to do, when `user` may not vote in `found`."""
    refused = refusal(session, user, found)
    if refused is not None:
        raise PermissionDenied(refused.message, "eligibility")


def eligible_count(session: DbSession, found: Round) -> int:
    """How many may vote: confirmed members, the census's entries, or the codes issued."""
    if found.eligibility == Eligibility.CENSUS.value:
        census = current_census(session, area_of(session, found)[0])
        return 0 if census is None else census.entries_count
    if found.eligibility == Eligibility.CODES.value:
        return int(
            session.scalar(
                select(func.count()).select_from(VotingCode).where(VotingCode.round_id == found.id)
            )
            or 0
        )
    return int(session.scalar(select(func.count()).select_from(eligible_voters(found, 0).subquery())) or 0)


def snapshot_count(session: DbSession, found: Round) -> None:
    """Keep the eligible count as of now (voting opens) in Round.members_count, for turnout."""
    found.members_count = eligible_count(session, found)
    session.flush()


def require_voters_list(session: DbSession, found: Round) -> None:
    """Voting opens by hand only when the policy has someone to count: a census round needs a census."""
    if found.eligibility == Eligibility.CENSUS.value:
        area_id, area_name = area_of(session, found)
        if current_census(session, area_id) is None:
            raise Conflict(
                f"This round's voters are {area_name}'s census, and the city has not uploaded it yet: "
                "an official uploads it first (or change eligibility).",
                "eligibility",
            )


def change_policy(session: DbSession, user: User, round_id: int, raw: object) -> Round:
    """A group admin or official changes who may vote, only before voting opens; audited."""
    found = get_round(session, round_id)
    require_runner(session, user, found.group_id, "change who may vote")
    policy = parse_policy(raw if raw is not None else "")
    if voting_opened(found) or found.tally_token is not None:
        raise Conflict(
            "eligibility cannot change once voting has opened: residents are voting under it.",
            "eligibility",
        )
    if policy == found.eligibility:
        return found
    before = found.eligibility
    changed = execute_write(
        session,
        update(Round)
        .where(
            Round.id == round_id,
            Round.phase.in_((Phase.DRAFT.value, Phase.PLEDGING.value)),
            Round.voting_at.is_(None),
            Round.tally_token.is_(None),
        )
        .values(eligibility=policy)
        .execution_options(synchronize_session=False),
    ).rowcount
    if not changed:
        raise Conflict("The round changed meanwhile (voting opened); reload it.", "eligibility")
    audit.record(session, user, "round.eligibility", "round", round_id, before=before, after=policy)
    session.flush()
    session.refresh(found)
    return found


def as_of(found: Round) -> datetime | None:
    """When the eligible count was taken (voting opened), None before."""
    return found.voting_at
