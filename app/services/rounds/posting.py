"""A round's outcome: each candidate's result (tally), funded issues moved to "planned" (certification)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import select, update

from app.database.sessions import DbSession
from app.models import IssueEvent, Pool, Round, RoundCandidate, Status, User
from app.models.timestamps import utcnow
from app.models.workflow import EventKind
from app.services.issues.events import on_issue_event
from app.services.issues.money_mail import STARTED_STATUS
from app.services.kernel import audit
from app.services.rounds.access import group_name_of
from app.services.workflow import status_changes as workflow
from budgets.allocation import Allocation, JsonValue
from budgets.money import format_money

PLANNED = "planned"


def record_results(
    session: DbSession,
    found: Round,
    allocation: Allocation,
    figures: Mapping[str, Mapping[str, JsonValue]] | None = None,
) -> None:
    """Store each candidate's outcome: funded or not, the amount, the score and the engine's reason,
    with the plain-words figures (explanations.tally_figures) beside the engine's in `details`."""
    for pid, item in allocation.explanations.items():
        session.execute(
            update(RoundCandidate)
            .where(RoundCandidate.round_id == found.id, RoundCandidate.issue_id == int(pid))
            .values(
                funded=item.funded,
                amount_cents=item.cost if item.funded else 0,
                score=item.score,
                explanation=item.reason,
                details=dict(item.to_dict()) | dict((figures or {}).get(pid, {})),
            )
            .execution_options(synchronize_session=False)
        )


def record_withdrawn(
    session: DbSession, found: Round, withdrawn: Mapping[int, str], ballots: Sequence[Mapping[int, int]]
) -> None:
    """Store the outcome of each candidate the tally left out (candidates.withdrawn): not funded, with
    why and the votes (or points) it had, which were not counted."""
    for issue_id, why in withdrawn.items():
        chosen = [b.get(issue_id, 0) for b in ballots if b.get(issue_id, 0) > 0]
        votes = sum(chosen) if found.ballot == "cumulative" else len(chosen)
        session.execute(
            update(RoundCandidate)
            .where(RoundCandidate.round_id == found.id, RoundCandidate.issue_id == issue_id)
            .values(
                funded=False,
                amount_cents=0,
                score=votes,
                explanation=f"left out of the tally: {why}",
                details={"withdrawn": why},
            )
            .execution_options(synchronize_session=False)
        )


def funding_note(found: Round, group_name: str, currency: str, cents: int, *, started: bool = False) -> str:
    """The funding's words on the problem's timeline; for work in progress, not "planned" (found from
    outside: a problem whose work had started read "planned for the city's work programme")."""
    after = "its work, already started, goes on" if started else "planned for the city's work programme"
    return (
        f"Funded with {format_money(cents, currency)} by the participatory-budgeting round "
        f"\u201c{found.name}\u201d of {group_name}; {after}."
    )


def plan_funded(session: DbSession, actor: User, found: Round, funded: Sequence[tuple[int, int]]) -> None:
    """Move each funded issue into the officials' workflow as "planned", the amount in the note.

    Called by certification only, so `actor` is the certifying city official (never a group admin);
    it uses the workflow's building blocks (timeline event, timestamps, followers' notifications) so
    that the whole allocation is one transaction. An issue already "planned", or in progress, keeps its
    status and gets the note as a public update.
    """
    if not funded:
        return
    group_name = group_name_of(session, found)
    currency = session.scalar(select(Pool.currency).where(Pool.id == found.pool_id)) or "EUR"
    planned = session.get(Status, PLANNED)
    if planned is None:
        raise LookupError('the reference status "planned" is missing; run `flask --app wsgi init-db`')
    issues = workflow.lock_issues(session, [issue_id for issue_id, _ in funded])
    now = utcnow()
    for issue_id, cents in funded:
        issue = issues[issue_id]
        note = funding_note(found, group_name, currency, cents, started=issue.status == STARTED_STATUS)
        # Never backwards: a problem "planned" or whose work started ("in progress") keeps its status
        # (found from outside: certifying moved work in progress back to planned, and mailed its
        # followers so).
        if issue.status in (PLANNED, STARTED_STATUS):
            event = IssueEvent(
                issue_id=issue_id,
                actor_id=actor.id,
                kind=EventKind.UPDATE.value,
                note=note,
                by_staff=actor.is_staff,
                created_at=now,
            )
            session.add(event)
        else:
            event = workflow.apply_status(session, actor, issue, planned, note, EventKind.STATUS.value, now)
        session.flush()
        if actor.is_staff:
            audit.record(
                session,
                actor,
                "round.fund",
                "issue",
                issue_id,
                round_id=found.id,
                amount_cents=cents,
                currency=currency,
            )
        on_issue_event(session, event)
    session.flush()
