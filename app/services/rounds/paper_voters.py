"""Who a paper ballot belongs to (a voting code or a census entry), and the paper ballots a tally counts.

Kept apart from paper_ballots.py so that online ballots (ballots.py) and the tally can ask about paper
ballots without importing the entry use cases, which themselves validate with ballots.py.
"""

from __future__ import annotations

from sqlalchemy import func, select

from app.database.sessions import DbSession
from app.models import Area, CensusEntry, CensusUpload, Group, PaperBallot, Round, User
from app.models.paper import PaperStatus
from app.services.kernel.errors import Conflict, ValidationError
from app.services.rounds import voter_keys

MAX_IDENTIFIER = 100


def current_census(session: DbSession, area_id: int) -> CensusUpload | None:
    """The area's census: its newest upload not yet replaced."""
    return session.scalar(
        select(CensusUpload)
        .where(CensusUpload.area_id == area_id, CensusUpload.replaced_at.is_(None))
        .order_by(CensusUpload.uploaded_at.desc(), CensusUpload.id.desc())
        .limit(1)
    )


def census_entry(session: DbSession, found: Round, raw: object) -> CensusEntry:
    """The census entry of the round's area for a typed identifier, or a ValidationError naming it."""
    if not isinstance(raw, str) or not voter_keys.normalise(raw) or len(raw) > MAX_IDENTIFIER:
        raise ValidationError(
            "The identifier is required: the voter's identifier as the census lists it (at most "
            f"{MAX_IDENTIFIER} characters).",
            "identifier",
        )
    area_id, area_name = session.execute(
        select(Group.area_id, Area.name)
        .join(Area, Area.id == Group.area_id)
        .where(Group.id == found.group_id)
    ).one()
    upload = current_census(session, area_id)
    if upload is None:
        raise Conflict(
            "No census has been uploaded for this round's area yet, so no voter can be checked.",
            "identifier",
        )
    entry = session.scalar(
        select(CensusEntry).where(
            CensusEntry.upload_id == upload.id,
            CensusEntry.id_hash == voter_keys.census_hash(upload.salt, raw),
        )
    )
    if entry is None:
        raise ValidationError(
            f"This identifier is not on the census of {area_name}: the voter cannot vote in "
            "this round (check the identifier on their paper).",
            "identifier",
        )
    return entry


def agreed_choices(session: DbSession, round_id: int) -> list[dict[int, int]]:
    """The paper ballots that count: both entries agreed (or a third official decided), in entry order."""
    rows = session.scalars(
        select(PaperBallot.choices)
        .where(PaperBallot.round_id == round_id, PaperBallot.status == PaperStatus.AGREED.value)
        .order_by(PaperBallot.id)
    )
    return [{int(k): int(v) for k, v in (choices or {}).items()} for choices in rows]


def agreed_count(session: DbSession, round_id: int) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(PaperBallot)
            .where(PaperBallot.round_id == round_id, PaperBallot.status == PaperStatus.AGREED.value)
        )
        or 0
    )


def census_paper_voters(session: DbSession, round_id: int, statuses: tuple[str, ...]) -> set[int]:
    """Residents (verified census entries) whose paper ballot in the round has one of `statuses`."""
    return set(
        session.scalars(
            select(CensusEntry.user_id)
            .join(PaperBallot, PaperBallot.census_entry_id == CensusEntry.id)
            .where(
                PaperBallot.round_id == round_id,
                PaperBallot.status.in_(statuses),
                CensusEntry.user_id.is_not(None),
            )
        )
    )


def require_no_paper_ballot(session: DbSession, found: Round, user: User) -> None:
    """An online ballot is refused from a census voter whose paper ballot officials have entered."""
    if found.eligibility != "census":
        return
    live = (PaperStatus.AWAITING.value, PaperStatus.AGREED.value, PaperStatus.DISPUTED.value)
    if user.id in census_paper_voters(session, found.id, live):
        raise Conflict(
            "Your paper ballot for this round has been entered by the city's officials; it is your "
            "vote, and an online ballot cannot also count.",
            "round_id",
        )
