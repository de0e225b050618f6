"""The city's census of an area: an official's CSV upload, kept only as salted hashes, and residents'
one-time verification against it.

An upload replaces the area's previous census (its `replaced_at` is set): residents verified against
the old one are no longer verified and enter their identifier again, since the old salted hashes
cannot be matched with the new ones. So that no one's vote disappears mid-round, an area's census
cannot be replaced while one of its census rounds is voting. Neither the identifiers nor anything
derived from one resident's identifier reach the audit log: an upload records its count, a
verification records the resident and the upload.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from typing import IO

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from app.database.sessions import DbSession, execute_write
from app.models import Area, CensusEntry, CensusUpload, Group, Round, User
from app.models.eligibility import Eligibility
from app.models.rounds import Phase
from app.models.timestamps import utcnow
from app.services.kernel import audit
from app.services.kernel.errors import Conflict, NotFound, PayloadTooLarge, ValidationError
from app.services.kernel.parsing import ID_MAX
from app.services.kernel.roles import require_confirmed, require_not_blocked
from app.services.rounds import voter_keys
from app.services.rounds.access import require_official
from app.services.rounds.eligibility import contact, current_census

COLUMN = "identifier"
MAX_IDENTIFIER = 64
INSERT_CHUNK = 5000


@dataclass(frozen=True)
class CensusStatus:
    """What the census and verification pages show about an area (never an identifier)."""

    area_id: int
    area_name: str
    upload: CensusUpload | None
    verified_at: datetime | None


def get_area(session: DbSession, area_id: int) -> Area:
    found = session.get(Area, area_id) if 1 <= area_id <= ID_MAX else None
    if found is None:
        raise NotFound(f"There is no area {area_id}.", "area_id")
    return found


def decode_file(stream: IO[bytes], max_bytes: int) -> str:
    """A census file's text: UTF-8 (a byte-order mark is dropped), at most `max_bytes`."""
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise PayloadTooLarge(
            f"The census file is larger than {max_bytes // 1024:,} KB; split the area.", "census"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError("The census file must be UTF-8 text (a CSV).", "census") from None


def csv_rows(text: str) -> list[tuple[str, str]]:
    """(where, raw identifier) for each non-blank row of a census CSV with an `identifier` column,
    separated by commas, semicolons or tabs (whichever the first row holds most of)."""
    if not text.strip():
        raise ValidationError("The census file is empty; upload a CSV with an identifier column.", "census")
    # The header's separator: a spreadsheet saved as CSV where the decimal mark is a comma (much of
    # Europe) writes ";" (found from outside: such a file was refused as naming no identifier column).
    header = next(iter(text.lstrip("\ufeff").splitlines()), "")  # a file of byte order marks has none
    separator = max((",", ";", "\t"), key=header.count)
    try:
        rows = list(csv.reader(io.StringIO(text), delimiter=separator))
    except csv.Error:
        raise ValidationError("The census file is not a readable CSV.", "census") from None
    names = [name.strip().lower().lstrip("\ufeff") for name in rows[0]] if rows else []
    if COLUMN not in names:
        raise ValidationError(
            f'The census file\'s first row must name an "{COLUMN}" column (it names: '
            f"{', '.join(n for n in names if n)[:200] or 'nothing'}).",
            "census",
        )
    column = names.index(COLUMN)
    return [
        (f"row {line}", row[column] if column < len(row) else "")
        for line, row in enumerate(rows[1:], start=2)
        if any(cell.strip() for cell in row)
    ]


def json_rows(raw: object) -> list[tuple[str, str]]:
    """(where, raw identifier) for each item of the API's `identifiers` list."""
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise ValidationError(
            "identifiers must be a list of strings (the census's identifiers).", "identifiers"
        )
    return [(f"item {i}", item) for i, item in enumerate(raw, start=1)]


def check_identifiers(rows: list[tuple[str, str]], max_entries: int, field: str) -> list[str]:
    """The normalised identifiers; blank, too long or repeated ones are refused, naming where."""
    if len(rows) > max_entries:
        raise PayloadTooLarge(
            f"{field}: more than {max_entries:,} identifiers in one census; split the area.", field
        )
    seen: dict[str, str] = {}
    identifiers: list[str] = []
    for where, raw in rows:
        value = voter_keys.normalise(raw)
        if not value:
            raise ValidationError(f"{field}: {where} has no identifier.", field)
        if "\x00" in value:
            # No resident could type it to verify (found from outside: a CSV took what JSON refused).
            raise ValidationError(f"{field}: {where}'s identifier holds a NUL byte.", field)
        if len(value) > MAX_IDENTIFIER:
            raise ValidationError(
                f"{field}: {where}'s identifier is longer than {MAX_IDENTIFIER} characters.", field
            )
        if value in seen:
            raise ValidationError(
                f"{field}: {seen[value]} and {where} hold the same identifier; each resident appears once.",
                field,
            )
        seen[value] = where
        identifiers.append(value)
    if not identifiers:
        raise ValidationError(f"{field}: there are no identifiers in it.", field)
    return identifiers


def voting_census_round(session: DbSession, area_id: int) -> Round | None:
    return session.scalars(
        select(Round)
        .join(Group, Group.id == Round.group_id)
        .where(
            Group.area_id == area_id,
            Round.eligibility == Eligibility.CENSUS.value,
            Round.phase == Phase.VOTING.value,
        )
        .limit(1)
    ).first()


def upload(
    session: DbSession,
    user: User,
    area_id: int,
    rows: list[tuple[str, str]],
    max_entries: int,
    field: str = "census",
    *,
    replace_verified: bool = True,
) -> CensusUpload:
    """An official replaces the area's census with `rows` (csv_rows, json_rows); audited with the count.

    Without `replace_verified`, a census that residents verified against is not replaced (the staff
    page asks first: found from outside, a file uploaded for the wrong area un-verified its residents
    at once)."""
    require_official(user, "upload a census", field)
    area = get_area(session, area_id)
    identifiers = check_identifiers(rows, max_entries, field)
    if not replace_verified:
        verified = verified_count(session, area_id)
        if verified:
            raise ValidationError(
                f"{area.name}'s current census has {verified:,} verified resident"
                f"{'' if verified == 1 else 's'}: the new one makes them verify again. Tick the box to "
                "replace it anyway.",
                "confirm_replace",
            )
    voting = voting_census_round(session, area_id)
    if voting is not None:
        raise Conflict(
            f"{field}: round “{voting.name}” is voting under {area.name}'s current census; "
            "upload the new one after its tally, so no verified resident loses their vote.",
            field,
        )
    now = utcnow()
    previous = current_census(session, area_id)
    if previous is not None:
        execute_write(
            session,
            update(CensusUpload)
            .where(CensusUpload.area_id == area_id, CensusUpload.replaced_at.is_(None))
            .values(replaced_at=now)
            .execution_options(synchronize_session=False),
        )
    salt = voter_keys.new_salt()
    new = CensusUpload(
        area_id=area_id, salt=salt, entries_count=len(identifiers), uploaded_by_id=user.id, uploaded_at=now
    )
    session.add(new)
    session.flush()
    for start in range(0, len(identifiers), INSERT_CHUNK):
        session.execute(
            insert(CensusEntry),
            [
                {"upload_id": new.id, "id_hash": voter_keys.census_hash(salt, value)}
                for value in identifiers[start : start + INSERT_CHUNK]
            ],
        )
    audit.record(
        session,
        user,
        "census.upload",
        "area",
        area_id,
        entries=len(identifiers),
        replaced_upload=None if previous is None else previous.id,
    )
    session.flush()
    return new


def verified_at(session: DbSession, user_id: int, upload_id: int) -> datetime | None:
    return session.scalar(
        select(CensusEntry.verified_at).where(
            CensusEntry.upload_id == upload_id, CensusEntry.user_id == user_id
        )
    )


def status(session: DbSession, user: User | None, area_id: int) -> CensusStatus:
    area = get_area(session, area_id)
    current = current_census(session, area_id)
    when = None if current is None or user is None else verified_at(session, user.id, current.id)
    return CensusStatus(area.id, area.name, current, when)


def parse_identifier(raw: object) -> str:
    if not isinstance(raw, str) or not voter_keys.normalise(raw):
        raise ValidationError(
            "Your identifier is required: the one printed on the city's letter.", "identifier"
        )
    if len(raw) > 200 or len(voter_keys.normalise(raw)) > MAX_IDENTIFIER:
        raise ValidationError(f"identifier must be at most {MAX_IDENTIFIER} characters.", "identifier")
    return raw


def verify(session: DbSession, user: User, area_id: int, raw: object) -> CensusStatus:
    """Tie the resident to the census entry their identifier hashes to, once; audited without it."""
    require_confirmed(user)
    require_not_blocked(user)
    area = get_area(session, area_id)
    identifier = parse_identifier(raw)
    current = current_census(session, area_id)
    if current is None:
        raise Conflict(
            f"The city has not uploaded {area.name}'s census yet: contact {contact()}.",
            "identifier",
        )
    if verified_at(session, user.id, current.id) is not None:
        raise Conflict(f"You are already verified as living in {area.name}.", "identifier")
    digest = voter_keys.census_hash(current.salt, identifier)
    now = utcnow()
    try:
        with session.begin_nested():
            claimed = execute_write(
                session,
                update(CensusEntry)
                .where(
                    CensusEntry.upload_id == current.id,
                    CensusEntry.id_hash == digest,
                    CensusEntry.user_id.is_(None),
                )
                .values(user_id=user.id, verified_at=now)
                .execution_options(synchronize_session=False),
            ).rowcount
    except IntegrityError:  # a concurrent verification of this resident won
        raise Conflict(f"You are already verified as living in {area.name}.", "identifier") from None
    if not claimed:
        exists = session.scalar(
            select(CensusEntry.id).where(CensusEntry.upload_id == current.id, CensusEntry.id_hash == digest)
        )
        if exists is not None:
            raise Conflict(
                f"This identifier has already verified another account. If it is yours, contact {contact()}.",
                "identifier",
            )
        raise ValidationError(
            f"Your identifier is not on {area.name}'s census: contact {contact()}.",
            "identifier",
        )
    audit.record(session, user, "census.verify", "area", area_id, upload=current.id)
    session.flush()
    return CensusStatus(area.id, area.name, current, now)


@dataclass(frozen=True)
class AreaCensus:
    """One area on the officials' census page: its current census (if any) and how many verified."""

    area_id: int
    area_name: str
    entries: int | None
    uploaded_at: datetime | None
    verified: int


def verified_count(session: DbSession, area_id: int) -> int:
    """How many residents verified against the area's current census."""
    return int(
        session.scalar(
            select(func.count(CensusEntry.id))
            .join(CensusUpload, CensusUpload.id == CensusEntry.upload_id)
            .where(
                CensusUpload.area_id == area_id,
                CensusUpload.replaced_at.is_(None),
                CensusEntry.user_id.is_not(None),
            )
        )
        or 0
    )


def overview(session: DbSession) -> list[AreaCensus]:
    verified = (
        select(func.count(CensusEntry.id))
        .where(CensusEntry.upload_id == CensusUpload.id, CensusEntry.user_id.is_not(None))
        .correlate(CensusUpload)
        .scalar_subquery()
    )
    rows = session.execute(
        select(Area.id, Area.name, CensusUpload.entries_count, CensusUpload.uploaded_at, verified)
        .outerjoin(CensusUpload, (CensusUpload.area_id == Area.id) & CensusUpload.replaced_at.is_(None))
        .order_by(Area.name)
    ).tuples()
    return [AreaCensus(a, n, e, u, int(v or 0)) for a, n, e, u, v in rows]


def my_areas(session: DbSession, user_id: int) -> list[CensusStatus]:
    """Every area with a census, and whether the resident is verified against it (My Commonfix)."""
    mine = (
        select(CensusEntry.verified_at)
        .where(CensusEntry.upload_id == CensusUpload.id, CensusEntry.user_id == user_id)
        .correlate(CensusUpload)
        .scalar_subquery()
    )
    rows = session.execute(
        select(Area.id, Area.name, CensusUpload, mine)
        .join(CensusUpload, (CensusUpload.area_id == Area.id) & CensusUpload.replaced_at.is_(None))
        .order_by(Area.name)
    ).tuples()
    return [CensusStatus(a, n, u, v) for a, n, u, v in rows]
