"""Which rounds are deciding about a problem: the lists the workflow checks before it changes what a
round's voters decided on (its estimate) or tells the staff before they close it."""

from __future__ import annotations

from sqlalchemy import and_, or_, select

from app.database.sessions import DbSession
from app.models import Round, RoundCandidate
from app.models.rounds import Phase, ResultStatus


def deciding_rounds(session: DbSession, issue_id: int) -> list[str]:
    """The names of the rounds whose frozen list holds the problem and whose result is not certified
    yet (voting, or tallied and provisional): what the staff are told before they close it."""
    return list(
        session.scalars(
            select(Round.name)
            .join(RoundCandidate, RoundCandidate.round_id == Round.id)
            .where(
                RoundCandidate.issue_id == issue_id,
                or_(
                    Round.phase == Phase.VOTING.value,
                    and_(
                        Round.phase == Phase.TALLIED.value,
                        Round.result_status == ResultStatus.PROVISIONAL.value,
                    ),
                ),
            )
            .order_by(Round.id)
        )
    )
