"""Paper ballots: officials type each one twice; it counts when two different officials' entries agree.

The voter is named by the one-time voting code written on the ballot (codes rounds) or by their
identifier checked against the area's current census (census rounds); members rounds take no paper
ballots. The first entry claims the voter: a code is marked used on paper (one atomic UPDATE, so a
code used online is refused, and a code used on paper can no longer be used online); a census voter
who already voted online is refused with the date of their online ballot (their online ballot
counts), and once a census voter's paper ballot is entered their online ballot is refused
(paper_voters.require_no_paper_ballot).

Double entry is blind: the second official types the same ballot from the paper without seeing the
first entry. Equal entries -> agreed (counts); different -> disputed, listed for a third look: a
third official's entry decides, or an official voids the ballot (it never counts; the voter's code
or census entry stays used, as for a spoilt ballot). The same official never enters one ballot
twice. Each entry is a conditional UPDATE on the ballot's entry count first, so two officials'
simultaneous entries serialise and one of them is asked to look again.

Paper ballots are entered from the opening of voting until the tally (also after voting closed, so
that ballots from a polling station on the last day can be typed in); once a tally claims the round
they are refused. Every entry and void is audited with who and when; the identifier never is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app.database.sessions import DbSession, execute_write
from app.models import PaperBallot, PaperBallotEntry, Round, RoundBallot, User
from app.models.eligibility import CodeUse, Eligibility
from app.models.paper import PaperStatus
from app.models.rounds import Phase
from app.models.timestamps import utcnow
from app.services.kernel import audit
from app.services.kernel.city_time import city_time
from app.services.kernel.errors import Conflict, NotFound
from app.services.kernel.parsing import parse_id
from app.services.kernel.text import clean_reason
from app.services.rounds import ballots, paper_voters, voting_codes
from app.services.rounds.access import get_round, require_official

OPEN = (PaperStatus.AWAITING.value, PaperStatus.DISPUTED.value)


@dataclass(frozen=True)
class EntryOutcome:
    paper_ballot_id: int
    entry: int  # 1, 2 or 3
    status: str
    message: str


@dataclass(frozen=True)
class QueueItem:
    id: int
    voter: str  # "code" | "census"
    status: str
    entries: list[tuple[str, datetime, dict[int, int]]]  # (official's name, when, choices)
    entered_by_viewer: bool


def require_accepting(found: Round) -> None:
    if found.phase in (Phase.DRAFT.value, Phase.PLEDGING.value):
        raise Conflict(
            f"Paper ballots are entered once voting has opened; this round is still {found.phase}.", "phase"
        )
    if found.phase != Phase.VOTING.value or found.tally_token is not None:
        raise Conflict(
            "This round has been tallied: paper ballots are entered only until the tally.", "phase"
        )


def voter_field(found: Round) -> str:
    if found.eligibility == Eligibility.CODES.value:
        return "code"
    if found.eligibility == Eligibility.CENSUS.value:
        return "identifier"
    raise Conflict(
        "This round's voters are the group's confirmed members, who vote online; paper ballots are "
        "entered for rounds whose voters hold voting codes or are on the census.",
        "eligibility",
    )


def _existing(session: DbSession, found: Round, body: dict[str, Any]) -> tuple[PaperBallot | None, Any]:
    """The voter's paper ballot if entered before, and the voter (a VotingCode or a CensusEntry)."""
    if voter_field(found) == "code":
        code = voting_codes.find_code(session, found.id, body.get("code"))
        paper = session.scalar(select(PaperBallot).where(PaperBallot.voting_code_id == code.id))
        return paper, code
    entry = paper_voters.census_entry(session, found, body.get("identifier"))
    paper = session.scalar(
        select(PaperBallot).where(PaperBallot.round_id == found.id, PaperBallot.census_entry_id == entry.id)
    )
    return paper, entry


def _first(session: DbSession, found: Round, voter: Any) -> PaperBallot:
    """Claim the voter for paper and open their paper ballot (no entry yet)."""
    if voter_field(found) == "code":
        voting_codes.claim(session, voter, CodeUse.PAPER, None)
        paper = PaperBallot(round_id=found.id, voting_code_id=voter.id, entries_count=0)
        session.add(paper)
        session.flush()
        return paper
    if voter.user_id is not None:
        online = session.scalar(
            select(RoundBallot.updated_at).where(
                RoundBallot.round_id == found.id, RoundBallot.user_id == voter.user_id
            )
        )
        if online is not None:
            raise Conflict(
                f"This voter voted online ({city_time(online, '%d %b %Y %H:%M')}); their online ballot "
                "counts, so this paper ballot cannot also count. Set it aside as not counted.",
                "identifier",
            )
    paper = PaperBallot(round_id=found.id, census_entry_id=voter.id, entries_count=0)
    try:
        with session.begin_nested():
            session.add(paper)
    except IntegrityError:
        raise Conflict(
            "Another official opened this voter's paper ballot at the same moment; enter it again.",
            "identifier",
        ) from None
    return paper


def _entries(session: DbSession, paper_id: int) -> list[PaperBallotEntry]:
    return list(
        session.scalars(
            select(PaperBallotEntry)
            .where(PaperBallotEntry.paper_ballot_id == paper_id)
            .order_by(PaperBallotEntry.id)
        )
    )


def enter(session: DbSession, official: User, round_id: int, body: dict[str, Any]) -> EntryOutcome:
    """One official's entry of one paper ballot; returns what it did to the ballot."""
    require_official(official, "enter paper ballots")
    found = get_round(session, round_id)
    require_accepting(found)
    field = voter_field(found)
    choices = ballots.parse_choices(found, body)
    ballots.check_choices(session, found, choices)
    stored = {str(issue_id): points for issue_id, points in sorted(choices.items())}
    paper, voter = _existing(session, found, body)
    if paper is None:
        paper = _first(session, found, voter)
    if paper.status == PaperStatus.AGREED.value:
        raise Conflict("This voter's paper ballot already counts: two officials' entries agreed.", field)
    if paper.status == PaperStatus.VOID.value:
        raise Conflict(f"This voter's paper ballot was voided: {paper.void_reason}", field)
    earlier = _entries(session, paper.id)
    mine = next((e for e in earlier if e.official_id == official.id), None)
    if mine is not None:
        raise Conflict(
            f"You entered this paper ballot already ({city_time(mine.entered_at, '%d %b %H:%M')}): a "
            "different official makes the next entry.",
            field,
        )
    number = len(earlier) + 1
    status, decided = PaperStatus.AWAITING.value, False
    if number == 2:
        decided = earlier[0].choices == stored
        status = PaperStatus.AGREED.value if decided else PaperStatus.DISPUTED.value
    elif number == 3:
        status, decided = PaperStatus.AGREED.value, True
    now = utcnow()
    bumped = execute_write(
        session,
        update(PaperBallot)
        .where(
            PaperBallot.id == paper.id,
            PaperBallot.entries_count == len(earlier),
            PaperBallot.status.in_(OPEN),
        )
        .values(
            entries_count=number,
            status=status,
            choices=stored if decided else None,
            decided_at=now if decided else None,
        )
        .execution_options(synchronize_session=False),
    ).rowcount
    if not bumped:
        raise Conflict(
            "Another official entered this paper ballot at the same moment; reload the queue and look again.",
            field,
        )
    session.add(
        PaperBallotEntry(paper_ballot_id=paper.id, official_id=official.id, choices=stored, entered_at=now)
    )
    audit.record(
        session,
        official,
        "round.paper_entry",
        "round",
        round_id,
        paper_ballot=paper.id,
        entry=number,
        status=status,
        voter=field,
    )
    session.flush()
    _require_still_open(session, round_id)
    return EntryOutcome(paper.id, number, status, MESSAGES[(number, status)])


MESSAGES = {
    (1, PaperStatus.AWAITING.value): "Entry 1 of 2 saved: a second official types this ballot again from "
    "the paper; it counts when both entries agree.",
    (2, PaperStatus.AGREED.value): "Both entries agree: this paper ballot counts.",
    (2, PaperStatus.DISPUTED.value): "The two entries disagree: the ballot is listed for a third look "
    "(a third official's entry decides, or an official voids it). It does not count yet.",
    (3, PaperStatus.AGREED.value): "Your entry decides the disputed ballot: it counts as you entered it.",
}


def _require_still_open(session: DbSession, round_id: int) -> None:
    """Re-read the round after the write (PostgreSQL: a share lock a claiming tally waits for)."""
    phase, token = session.execute(
        select(Round.phase, Round.tally_token).where(Round.id == round_id).with_for_update(read=True)
    ).one()
    if phase != Phase.VOTING.value or token is not None:
        raise Conflict("The round was tallied while the paper ballot was being stored.", "phase")


def void(session: DbSession, official: User, round_id: int, paper_id: object, reason: object) -> PaperBallot:
    """An official voids a paper ballot still waiting or disputed: it never counts."""
    require_official(official, "void paper ballots")
    found = get_round(session, round_id)
    require_accepting(found)
    pid = parse_id(paper_id, "paper_ballot_id")
    text = clean_reason(reason, 500, "say why the ballot is void")
    paper = session.get(PaperBallot, pid)
    if paper is None or paper.round_id != round_id:
        raise NotFound(f"There is no paper ballot {pid} in this round.", "paper_ballot_id")
    voided = execute_write(
        session,
        update(PaperBallot)
        .where(PaperBallot.id == pid, PaperBallot.status.in_(OPEN))
        .values(
            status=PaperStatus.VOID.value, voided_by_id=official.id, void_reason=text, decided_at=utcnow()
        )
        .execution_options(synchronize_session=False),
    ).rowcount
    if not voided:
        raise Conflict(
            f"Paper ballot {pid} is {paper.status}: only waiting or disputed ones are voided.",
            "paper_ballot_id",
        )
    audit.record(session, official, "round.paper_void", "round", round_id, paper_ballot=pid, reason=text)
    session.flush()
    session.refresh(paper)
    return paper


def queue(session: DbSession, round_id: int, viewer_id: int) -> list[QueueItem]:
    """Paper ballots still open (waiting for a second official, or disputed), oldest first."""
    papers = list(
        session.scalars(
            select(PaperBallot)
            .where(PaperBallot.round_id == round_id, PaperBallot.status.in_(OPEN))
            .order_by(PaperBallot.id)
        )
    )
    entries = {paper.id: _entries(session, paper.id) for paper in papers}
    ids = {e.official_id for listed in entries.values() for e in listed if e.official_id is not None}
    rows = session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).tuples()
    names = {user_id: name for user_id, name in rows}
    return [
        QueueItem(
            paper.id,
            "code" if paper.voting_code_id is not None else "census",
            paper.status,
            [
                (
                    names.get(e.official_id or 0, "a former official"),
                    e.entered_at,
                    {int(k): int(v) for k, v in e.choices.items()},
                )
                for e in entries[paper.id]
            ],
            any(e.official_id == viewer_id for e in entries[paper.id]),
        )
        for paper in papers
    ]


def counts(session: DbSession, round_id: int) -> dict[str, int]:
    """How many paper ballots the round has in each status."""
    rows = session.execute(
        select(PaperBallot.status, func.count())
        .where(PaperBallot.round_id == round_id)
        .group_by(PaperBallot.status)
    ).tuples()
    return dict.fromkeys((s.value for s in PaperStatus), 0) | {status: int(n) for status, n in rows.all()}
