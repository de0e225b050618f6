"""What the ballot shows of each candidate beside its title and cost: its number, place and area,
description, photo (found from outside: two candidates titled alike could not be told apart)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.database.sessions import DbSession
from app.models import Area, Issue, Photo, RoundBallot
from app.services.issues.photo_access import photo_is_public
from app.services.kernel.text import first_upper, shorten

DESCRIPTION_CHARS = 220
# A hidden problem's card repeats nothing of its report (found from outside: the title was masked and
# the description, where what got it hidden usually is, was printed in full).
HIDDEN_DESCRIPTION = "The moderators hid its report, so its text is not shown here."


@dataclass(frozen=True)
class CandidateCard:
    issue_id: int
    area: str
    description: str  # shortened to DESCRIPTION_CHARS, on a word boundary
    photo: str | None  # the first public photo's file name
    photo_width: int | None = None
    photo_height: int | None = None
    hidden: bool = False  # hidden by the moderators: no description, and its page is not the public's
    place: str | None = None  # where its report says it is (it names the area too), as its page shows

    @property
    def where(self) -> str:
        """Its place where the report names one, else its area."""
        return first_upper(self.place) if self.place else self.area


def cards(session: DbSession, issue_ids: Sequence[int]) -> dict[int, CandidateCard]:
    """Cards by issue id; only photos the public may see are named."""
    if not issue_ids:
        return {}
    rows = session.execute(
        select(Issue.id, Area.name, Issue.description, Issue.is_hidden, Issue.place)
        .join(Area, Area.id == Issue.area_id)
        .where(Issue.id.in_(issue_ids))
    ).tuples()
    photos: dict[int, tuple[str, int, int]] = {}
    for issue_id, filename, width, height in session.execute(
        select(Photo.issue_id, Photo.filename, Photo.width, Photo.height)
        .where(Photo.issue_id.in_(issue_ids), photo_is_public())
        .order_by(Photo.created_at, Photo.id)
    ).tuples():
        photos.setdefault(issue_id, (filename, width, height))
    found = {}
    for issue_id, area, description, hidden, place in rows:
        photo = photos.get(issue_id)
        found[issue_id] = CandidateCard(
            issue_id,
            area,
            HIDDEN_DESCRIPTION if hidden else shorten(description or "", DESCRIPTION_CHARS),
            photo[0] if photo else None,
            photo[1] if photo else None,
            photo[2] if photo else None,
            hidden,
            None if hidden else place,
        )
    return found


def saved_at(session: DbSession, round_id: int, user_id: int) -> datetime | None:
    """When the member's ballot was last saved, or None if they have not voted."""
    return session.scalar(
        select(RoundBallot.updated_at).where(RoundBallot.round_id == round_id, RoundBallot.user_id == user_id)
    )
