"""Voting windows: optional opening and closing times, closing by hand, the schedule, the reminders.

A round may be created with `opens_at` and/or `closes_at` (UTC; none = voting opened and closed by
hand). Ballots are refused (409 naming the time) before `opens_at`, from `closes_at` on, and once
voting was closed (`voting_closed_at`, set by hand, by the schedule or by the tally). The periodic job
(app/jobs/round_schedule.py) calls `run_schedule` every minute: it opens voting in rounds whose
pledging phase is open and whose `opens_at` has come, closes voting whose `closes_at` has come, and
reminds eligible residents who have not voted once per round, `remind_hours` before closing. Each step is a
conditional UPDATE written first, so running the job twice (or two workers at once) does each once;
the reminder's mail has a per-round-per-member event key, so no member is mailed twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from app.database.sessions import DbSession, execute_write
from app.mail import queue_mail
from app.models import Round, RoundBallot, User
from app.models.rounds import Phase
from app.models.timestamps import utcnow
from app.services.issues.notifications import Recipient, Subscription, letter
from app.services.kernel import audit
from app.services.kernel.city_time import city_day_time, city_time
from app.services.kernel.errors import Conflict, ValidationError
from app.services.kernel.links import external_url
from app.services.kernel.parsing import parse_time
from app.services.rounds import announcements, candidates, eligibility, like_ballots
from app.services.rounds.access import get_round, require_runner

MAX_AHEAD = timedelta(days=3 * 366)


def _optional_time(raw: object, field_name: str) -> datetime | None:
    """`parse_time`, with no value (None or "") meaning no time."""
    return None if raw in (None, "") else parse_time(raw, field_name)


def parse_window(data: dict[str, Any], now: datetime) -> tuple[datetime | None, datetime | None]:
    opens_at = _optional_time(data.get("opens_at"), "opens_at")
    closes_at = _optional_time(data.get("closes_at"), "closes_at")
    # In words, not the fields' names: the round form shows them beside "Voting opens at" (found from
    # outside: "opens_at must be in the future"); the API's error names the field as well.
    for at, name, words in ((opens_at, "opens_at", "opening"), (closes_at, "closes_at", "closing")):
        if at is not None and not now < at < now + MAX_AHEAD:
            raise ValidationError(f"The {words} time must be in the future, within three years.", name)
    if opens_at is not None and closes_at is not None and closes_at <= opens_at:
        raise ValidationError("Voting must close after it opens: choose a later closing time.", "closes_at")
    if (opens_at or closes_at) is not None and data.get("voting", True) is False:
        raise ValidationError("A round without a voting phase has no voting window.", "opens_at")
    return opens_at, closes_at


def require_window(found: Round, now: datetime) -> None:
    """Refuse a ballot outside the round's window (the phase check is ballots.require_voting_open)."""
    if found.voting_closed_at is not None:
        raise Conflict(f"Voting in this round closed at {city_time(found.voting_closed_at)}.", "closes_at")
    if found.closes_at is not None and now >= found.closes_at:
        raise Conflict(f"Voting in this round closed at {city_time(found.closes_at)}.", "closes_at")
    if found.opens_at is not None and now < found.opens_at:
        raise Conflict(f"Voting in this round opens at {city_time(found.opens_at)}.", "opens_at")


def opens_later(found: Round, now: datetime) -> datetime | None:
    """When voting opens, for a round moved to voting by hand before its window's start (the window
    still rules: ballots are refused until then); None otherwise. Pages say so instead of "closed"."""
    if found.phase == Phase.VOTING.value and found.opens_at is not None and now < found.opens_at:
        return found.opens_at
    return None


def voting_over(found: Round, now: datetime) -> bool:
    """Whether voting has ended: closed by hand, by the schedule or the tally, or its closing time has
    come."""
    return found.voting_closed_at is not None or (found.closes_at is not None and now >= found.closes_at)


def is_voting_open(found: Round, now: datetime) -> bool:
    if found.phase != Phase.VOTING.value or found.tally_token is not None:
        return False
    try:
        require_window(found, now)
    except Conflict:
        return False
    return True


def close_voting(session: DbSession, user: User, round_id: int) -> Round:
    """Close voting by hand (group admins, officials): no ballot is taken from now on; tally next."""
    found = get_round(session, round_id)
    require_runner(session, user, found.group_id, "close voting")
    opens = opens_later(found, utcnow())
    if opens is not None:
        # Found from outside: closed before it opened, the round told members both "closed" and "ballots
        # count from then on".
        raise Conflict(
            f"Voting has not opened yet: it opens at {city_time(opens)}, and can be closed once it has.",
            "opens_at",
        )
    if like_ballots.is_likes_round(found) and found.phase == Phase.VOTING.value:
        written = like_ballots.close_and_snapshot(session, found, utcnow())
        if written is None:
            raise Conflict("Voting in this round is already closed.", "phase")
        audit.record(session, user, "round.voting_close", "round", round_id, by="hand", ballots=written)
        session.flush()
        return found
    closed = execute_write(
        session,
        update(Round)
        .where(Round.id == round_id, Round.phase == Phase.VOTING.value, Round.voting_closed_at.is_(None))
        .values(voting_closed_at=utcnow())
        .execution_options(synchronize_session=False),
    ).rowcount
    session.refresh(found)
    if not closed:
        if found.voting_closed_at is not None:
            raise Conflict("Voting in this round is already closed.", "phase")
        raise Conflict(f"Voting is not open in this round: it is {found.phase}.", "phase")
    audit.record(session, user, "round.voting_close", "round", round_id, by="hand")
    session.flush()
    return found


def _system_audit(session: DbSession, action: str, round_id: int, **details: Any) -> None:
    """An audit entry for what the schedule did (no person acted: actor_id is NULL)."""
    audit.record_unattended(session, "schedule", action, "round", round_id, details)


@dataclass
class ScheduleRun:
    opened: list[int] = field(default_factory=list)
    closed: list[int] = field(default_factory=list)
    reminded: dict[int, int] = field(default_factory=dict)  # round id -> mails queued


def open_due(session: DbSession, now: datetime) -> list[int]:
    due = session.scalars(
        select(Round.id).where(
            Round.phase == Phase.PLEDGING.value,
            Round.has_voting_phase.is_(True),
            Round.opens_at.is_not(None),
            Round.opens_at <= now,
            Round.tally_token.is_(None),
        )
    ).all()
    opened = []
    for round_id in due:
        if not candidates.live_ranking(session, get_round(session, round_id)):
            continue  # nothing to vote on yet: it opens at the first run after a candidate appears
        moved = execute_write(
            session,
            update(Round)
            .where(Round.id == round_id, Round.phase == Phase.PLEDGING.value, Round.tally_token.is_(None))
            .values(phase=Phase.VOTING.value, voting_at=now)
            .execution_options(synchronize_session=False),
        ).rowcount
        if moved:
            opened_round = get_round(session, round_id)
            candidates.snapshot(session, opened_round)
            eligibility.snapshot_count(session, opened_round)
            announcements.voting_opened(session, opened_round, now)
            _system_audit(session, "round.phase", round_id, phase=Phase.VOTING.value)
            opened.append(round_id)
    return opened


def close_due(session: DbSession, now: datetime) -> list[int]:
    due = session.scalars(
        select(Round.id).where(
            Round.phase == Phase.VOTING.value,
            Round.voting_closed_at.is_(None),
            Round.closes_at.is_not(None),
            Round.closes_at <= now,
        )
    ).all()
    closed = []
    for round_id in due:
        found = get_round(session, round_id)
        if like_ballots.is_likes_round(found):
            written = like_ballots.close_and_snapshot(session, found, now)
            if written is not None:
                _system_audit(session, "round.voting_close", round_id, ballots=written)
                closed.append(round_id)
            continue
        done = execute_write(
            session,
            update(Round)
            .where(Round.id == round_id, Round.voting_closed_at.is_(None))
            .values(voting_closed_at=now)
            .execution_options(synchronize_session=False),
        ).rowcount
        if done:
            _system_audit(session, "round.voting_close", round_id)
            closed.append(round_id)
    return closed


def non_voters(session: DbSession, found: Round) -> list[User]:
    """Residents who may vote in the round (eligibility.py) and have not: in a likes round, those who
    like none of the candidates."""
    voted = (
        like_ballots.voters_with_likes(found)
        if like_ballots.is_likes_round(found)
        else select(RoundBallot.user_id).where(RoundBallot.round_id == found.id)
    )
    voters = eligibility.eligible_voters(found, eligibility.area_of(session, found)[0])
    return list(
        session.scalars(select(User).where(User.id.in_(voters), User.id.not_in(voted)).order_by(User.id))
    )


def remind_due(session: DbSession, now: datetime, remind_before: timedelta) -> dict[int, int]:
    due = session.scalars(
        select(Round.id).where(
            Round.phase == Phase.VOTING.value,
            Round.voting_closed_at.is_(None),
            Round.reminders_sent_at.is_(None),
            Round.closes_at.is_not(None),
            Round.closes_at > now,
            Round.closes_at <= now + remind_before,
        )
    ).all()
    reminded: dict[int, int] = {}
    for round_id in due:
        taken = execute_write(
            session,
            update(Round)
            .where(Round.id == round_id, Round.reminders_sent_at.is_(None))
            .values(reminders_sent_at=now)
            .execution_options(synchronize_session=False),
        ).rowcount
        if not taken:
            continue
        found = get_round(session, round_id)
        opened = found.opens_at or found.voting_at  # the window's start, as set or as it happened
        if opened is not None and found.closes_at is not None and found.closes_at - opened <= remind_before:
            # Voting opened within the reminder's lead: its opening mail gave the closing time a moment
            # ago (found from outside: the reminder came one minute after "Vote in ...").
            _system_audit(session, "round.remind", round_id, mails=0, skipped="opened within the lead")
            reminded[round_id] = 0
            continue
        url = external_url("rounds.ballot", round_id=round_id)
        count = 0
        because = "may vote in this round (one reminder per round)"
        for user in non_voters(session, found):
            if not user.round_news or user.is_blocked:  # round news turned off; a blocked ballot is refused
                continue
            key = f"round-reminder:{round_id}:to:{user.id}"
            recipient = Recipient(key, user.email, Subscription(user.id, rounds=True), because)
            subject = f"Voting in \u201c{found.name}\u201d closes soon"
            message = letter(subject, reminder_text(found, user, url, found.closes_at or now), recipient)
            count += queue_mail(session, recipient.key, message)
        _system_audit(session, "round.remind", round_id, mails=count)
        reminded[round_id] = count
    return reminded


def reminder_text(found: Round, user: User, url: str, closes_at: datetime) -> str:
    """The reminder's words; a likes round's say that liking is voting."""
    if like_ballots.is_likes_round(found):
        missing = (
            "In this round your likes are your vote, and you like none of its candidates yet, so you "
            "have no vote. Like the problems you want fixed on your ballot"
        )
        start = f"closes on {city_day_time(closes_at)}. {missing}"
    else:
        start = f"closes on {city_day_time(closes_at)} and you have not voted yet. Your ballot"
    return f"Hello {user.display_name},\n\nVoting in \u201c{found.name}\u201d {start}: {url}\n"


def run_schedule(session: DbSession, now: datetime, remind_hours: int) -> ScheduleRun:
    """Open, close and remind what is due at `now`; the caller commits. Idempotent."""
    run = ScheduleRun()
    run.opened = open_due(session, now)
    run.closed = close_due(session, now)
    run.reminded = remind_due(session, now, timedelta(hours=remind_hours))
    session.flush()
    return run
