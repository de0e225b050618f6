"""One-time voting codes: officials generate them in batches for a codes round; each is used once.

A batch's codes exist in clear only in the value `create_batch` returns (the printable slips, the CSV,
the API reply); the database keeps their hashes (voter_keys.code_hash). A code is used exactly once,
online or on paper: `claim` is one conditional UPDATE (`used_at IS NULL`), so of two simultaneous
claims of one code exactly one wins, and the loser is told how the code was used.

Officials generate batches (they hand codes out at in-person voting: a library, a market stall);
group admins do not, since a code is a vote. Batches are only for rounds whose eligibility is
"codes", before the round is tallied.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import aliased

from app.database.sessions import DbSession, execute_write
from app.models import Round, User, VotingCode, VotingCodeBatch
from app.models.eligibility import CodeUse, Eligibility
from app.models.rounds import Phase
from app.models.timestamps import utcnow
from app.services.kernel import audit
from app.services.kernel.city_time import city_day_time
from app.services.kernel.errors import Conflict, ValidationError
from app.services.kernel.roles import require_confirmed, require_not_blocked
from app.services.kernel.text import safe_cell
from app.services.rounds import voter_keys
from app.services.rounds.access import get_round, require_official
from app.services.rounds.ballots import require_voting_open
from app.services.rounds.eligibility import snapshot_count

MAX_BATCH = 5000
MAX_LABEL = 120
VOTERS = {"members": "the group's confirmed members", "census": "residents on the census"}
OPEN_FOR_CODES = (Phase.DRAFT.value, Phase.PLEDGING.value, Phase.VOTING.value)


@dataclass(frozen=True)
class NewBatch:
    """A batch just generated: the only time its codes are known in clear."""

    batch: VotingCodeBatch
    codes: list[str]


@dataclass(frozen=True)
class BatchSummary:
    id: int
    label: str
    count: int
    used_online: int
    used_paper: int
    created_at: datetime
    created_by: str | None

    @property
    def used(self) -> int:
        return self.used_online + self.used_paper


def require_codes_round(found: Round) -> None:
    if found.eligibility != Eligibility.CODES.value:
        who = VOTERS.get(found.eligibility, found.eligibility)
        raise Conflict(
            f"This round's voters are {who}, not holders of voting codes: "
            "codes are only for rounds whose eligibility is codes.",
            "eligibility",
        )


def parse_batch(body: dict[str, object]) -> tuple[int, str]:
    count = body.get("count")
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_BATCH:
        raise ValidationError(f"count must be a whole number of codes from 1 to {MAX_BATCH:,}.", "count")
    label = body.get("label", "")
    if not isinstance(label, str) or len(label.strip()) > MAX_LABEL:
        raise ValidationError(
            f"label must be text of at most {MAX_LABEL} characters, e.g. 'Library, Saturday'.", "label"
        )
    return count, label.strip()


def create_batch(session: DbSession, official: User, round_id: int, body: dict[str, object]) -> NewBatch:
    """Generate `count` fresh codes for the round; store only their hashes; audit the count."""
    require_official(official, "generate voting codes")
    found = get_round(session, round_id)
    require_codes_round(found)
    if found.phase not in OPEN_FOR_CODES or found.tally_token is not None:
        raise Conflict("Codes are generated before a round is tallied; this one is past that.", "phase")
    count, label = parse_batch(body)
    batch = VotingCodeBatch(round_id=round_id, count=count, label=label, created_by_id=official.id)
    session.add(batch)
    session.flush()
    codes: list[str] = []
    hashes: set[str] = set(
        session.scalars(select(VotingCode.code_hash).where(VotingCode.round_id == round_id))
    )
    while len(codes) < count:
        code = voter_keys.new_code()
        digest = voter_keys.code_hash(code)
        if digest in hashes:  # 31^12 codes: never in practice, but a repeat would break the unique key
            continue
        hashes.add(digest)
        codes.append(code)
        session.add(VotingCode(batch_id=batch.id, round_id=round_id, code_hash=digest))
    audit.record(
        session, official, "round.code_batch", "round", round_id, batch=batch.id, count=count, label=label
    )
    session.flush()
    if found.phase == Phase.VOTING.value:
        # Codes handed out while voting runs are voters too (found from outside: turnout read "3 of 0
        # eligible", the count kept when voting opened, before any code existed).
        snapshot_count(session, found)
    return NewBatch(batch, codes)


def slips_csv(found: Round, new: NewBatch) -> str:
    """The batch as CSV: one row per code with the round's name and the batch label."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["code", "round", "batch", "label"])
    for code in new.codes:
        # A round's name is a group admin's text: never a spreadsheet formula.
        writer.writerow([code, safe_cell(found.name), new.batch.id, safe_cell(new.batch.label or "")])
    return out.getvalue()


def batches(session: DbSession, round_id: int) -> list[BatchSummary]:
    """The round's batches, newest first, with how many of each batch's codes were used and how."""
    online = func.count(VotingCode.id).filter(VotingCode.used_via == CodeUse.ONLINE.value)
    paper = func.count(VotingCode.id).filter(VotingCode.used_via == CodeUse.PAPER.value)
    rows = session.execute(
        select(VotingCodeBatch, online, paper, User.display_name)
        .outerjoin(VotingCode, VotingCode.batch_id == VotingCodeBatch.id)
        .outerjoin(User, User.id == VotingCodeBatch.created_by_id)
        .where(VotingCodeBatch.round_id == round_id)
        .group_by(VotingCodeBatch.id, User.display_name)
        .order_by(VotingCodeBatch.id.desc())
    ).all()
    return [
        BatchSummary(b.id, b.label, b.count, int(o), int(p), b.created_at, name) for b, o, p, name in rows
    ]


def parse_code(raw: object) -> str:
    text = voter_keys.normalise(raw) if isinstance(raw, str) else ""
    if len(text) != voter_keys.CODE_LENGTH or any(c not in voter_keys.CODE_ALPHABET for c in text):
        raise ValidationError(
            f"code must be the {voter_keys.CODE_LENGTH}-character voting code printed on your slip, "
            "e.g. ABCD-EFGH-JKMN.",
            "code",
        )
    return text


def find_code(session: DbSession, round_id: int, raw: object) -> VotingCode:
    """The round's code row for a typed code, or a ValidationError naming `code` (unknown, other round)."""
    digest = voter_keys.code_hash(parse_code(raw))
    code = session.scalar(
        select(VotingCode).where(VotingCode.round_id == round_id, VotingCode.code_hash == digest)
    )
    if code is not None:
        return code
    elsewhere = session.scalar(
        select(Round.name)
        .join(VotingCode, VotingCode.round_id == Round.id)
        .where(VotingCode.code_hash == digest)
    )
    if elsewhere is not None:
        raise ValidationError(f"This code is for another round ({elsewhere}), not this one.", "code")
    raise ValidationError("There is no such voting code for this round: check it on your slip.", "code")


def used_message(code: VotingCode) -> str:
    how = "online" if code.used_via == CodeUse.ONLINE.value else "on a paper ballot"
    # The day in words, as everywhere else (found from outside: "07 Dec 2026 16:18 UTC").
    day = f" on {city_day_time(code.used_at)}" if code.used_at else ""
    return f"This code was used {how}{day}; each code votes once."


def claim(session: DbSession, code: VotingCode, via: CodeUse, user_id: int | None) -> None:
    """Mark the code used, or raise Conflict (field `code`) saying how it was used already.

    One conditional UPDATE: of simultaneous claims of one code exactly one changes the row. An online
    claim also requires that the resident holds no other code of the round.
    """
    statement = update(VotingCode).where(VotingCode.id == code.id, VotingCode.used_at.is_(None))
    if user_id is not None:
        other = aliased(VotingCode)
        statement = statement.where(
            ~exists().where(other.round_id == code.round_id, other.user_id == user_id)
        )
    claimed = execute_write(
        session,
        statement.values(used_at=utcnow(), used_via=via.value, user_id=user_id).execution_options(
            synchronize_session=False
        ),
    ).rowcount
    session.refresh(code)
    if claimed:
        return
    if code.used_at is not None:
        raise Conflict(used_message(code), "code")
    raise Conflict("You have already used a voting code in this round; one code per resident.", "code")


def claim_online(session: DbSession, user: User, round_id: int, raw: object) -> VotingCode:
    """A resident types a code on the ballot page: it becomes theirs (used online) and lets them vote.
    A blocked account cannot vote, so it claims nothing (the code stays usable on paper)."""
    require_confirmed(user)
    require_not_blocked(user)
    found = get_round(session, round_id)
    require_codes_round(found)
    require_voting_open(found)
    code = find_code(session, round_id, raw)
    claim(session, code, CodeUse.ONLINE, user.id)
    audit.record(session, user, "round.code_use", "round", round_id, code=code.id, via="online")
    session.flush()
    return code


def held_by(session: DbSession, round_id: int, user_id: int) -> VotingCode | None:
    return session.scalar(
        select(VotingCode).where(VotingCode.round_id == round_id, VotingCode.user_id == user_id)
    )
