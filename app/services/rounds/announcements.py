"""Mail to the residents who may vote in a round when its voting opens, and when its result is certified.

Found from outside: nobody heard that a round's voting had opened (only a reminder before it closed, to
those who had not voted), nor that its result was certified and which problems the city would fix, so
turnout rested on members happening to visit. Each mail goes once per round and resident (its outbox
key), to whoever may vote in it (`eligibility.eligible_voters`) and takes round news; more than
MAIL_FANOUT_INLINE of them are mailed by a worker (services/issues/notifications.mail_all). Round news
(these two, the reminder and a cancellation) can be turned off in the account's settings, the API or
with each mail's one-click link (`User.round_news`; found from outside: only leaving the group stopped
them, where Decidim has notification settings).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from app.database.sessions import DbSession
from app.models import Issue, Round, RoundCandidate, User
from app.models.timestamps import utcnow
from app.services.issues.notifications import Recipient, Subscription, mail_all
from app.services.kernel.city_time import city_day_time
from app.services.kernel.links import external_url
from app.services.rounds import eligibility, like_ballots
from app.services.rounds.access import group_name_of
from budgets.money import format_money


def _voters(session: DbSession, found: Round, event: str, because: str) -> list[Recipient]:
    """Whoever may vote in the round and takes round news, less blocked accounts (their ballot would be
    refused); each mail ends with a one-click link that stops round news (`User.round_news`)."""
    ids = eligibility.eligible_voters(found, eligibility.area_of(session, found)[0])
    rows = session.execute(
        select(User.id, User.email)
        .where(User.id.in_(ids), User.is_blocked.is_(False), User.round_news.is_(True))
        .order_by(User.id)
    ).tuples()
    return [
        Recipient(f"round-{event}:{found.id}:to:{uid}", email, Subscription(uid, rounds=True), because)
        for uid, email in rows
    ]


def voting_opened(session: DbSession, found: Round, now: datetime | None = None) -> int:
    """Tell the round's voters that voting is open (or opens at its window's start); how many were mailed."""
    group = group_name_of(session, found)
    url = external_url("rounds.ballot", round_id=found.id)
    moment = now or utcnow()
    opens = found.opens_at
    head = (
        f"Voting opens on {city_day_time(opens)}"
        if opens is not None and moment < opens
        else "Voting is open"
    )
    until = f", until {city_day_time(found.closes_at)}" if found.closes_at is not None else ""
    if like_ballots.is_likes_round(found):
        ask = f"Your likes are your vote: like the problems you want fixed among its candidates{until}"
    else:
        ask = f"Choose the problems you want fixed on your ballot{until}"
    body = (
        f"Hello,\n\n{head} in the round “{found.name}” of {group}: the neighbourhood decides which "
        f"problems its pool fixes. {ask}: {url}\n"
    )
    because = f"may vote in the round “{found.name}” of {group}"
    return mail_all(session, f"Vote in “{found.name}”", body, _voters(session, found, "open", because))


def result_certified(session: DbSession, found: Round, funded: list[tuple[int, int]], currency: str) -> int:
    """Tell the round's voters that its result is certified and what it funds; how many were mailed."""
    group = group_name_of(session, found)
    titles = dict(
        session.execute(select(Issue.id, Issue.title).where(Issue.id.in_([i for i, _ in funded])))
        .tuples()
        .all()
    )
    costs = dict(
        session.execute(
            select(RoundCandidate.issue_id, RoundCandidate.cost_cents).where(
                RoundCandidate.round_id == found.id
            )
        )
        .tuples()
        .all()
    )
    lines = [
        f"- {titles.get(i, f'#{i}')} ({format_money(costs.get(i, cents), currency)})" for i, cents in funded
    ]
    what = "It funds no problem this time."
    if len(funded) == 1:
        what = "The city plans this problem:\n" + lines[0]
    elif funded:
        what = f"The city plans these {len(funded)} problems:\n" + "\n".join(lines)
    url = external_url("rounds.results", round_id=found.id)
    body = (
        f"Hello,\n\nThe result of the round “{found.name}” of {group} is certified by the city. {what}\n\n"
        f"Why each problem was or was not funded, and, if you voted, what your share helped fund: {url}\n"
    )
    because = f"could vote in the round “{found.name}” of {group}"
    return mail_all(session, f"Result of “{found.name}”", body, _voters(session, found, "result", because))


def cancelled(session: DbSession, found: Round, *, by_city: bool) -> int:
    """Tell the round's voters, invited by "Vote in ..." (voting open, or opening at its window's start),
    that it is cancelled and why; how many were mailed (found from outside: they heard nothing of it)."""
    group = group_name_of(session, found)
    url = external_url("rounds.detail", round_id=found.id)
    who = "The city" if by_city else f"The admins of {group}"
    body = (
        f"Hello,\n\n{who} cancelled the round “{found.name}” of {group}: {found.official_note}\n\n"
        "No ballot counts and nothing is allocated; the pool keeps its money for the next round. "
        f"The round: {url}\n"
    )
    because = f"could vote in the round “{found.name}” of {group}"
    return mail_all(session, f"“{found.name}” is cancelled", body, _voters(session, found, "cancel", because))
