"""Why a resident's saved ballot did not count in a tallied round, for the results page's "Your ballot".

Found from outside: a member who left the group before the tally read "None of the problems you voted for
could be funded this time", and so did one whose only choice was withdrawn before the tally (closed,
merged, funded by its backers, hidden): neither ballot counted for those choices.
"""

from __future__ import annotations

from collections.abc import Mapping

from app.database.sessions import DbSession
from app.models import Round, User
from app.models.eligibility import Eligibility
from app.services.funding import groups
from app.services.rounds import eligibility
from app.services.rounds.results import RoundResults


def left_before_tally(session: DbSession, found: Round, user: User) -> bool:
    """The resident may not vote in the round now, and last left its group before it was tallied: a
    ballot counts only while its voter is a member (tally.voting_ballots)."""
    if found.eligibility != Eligibility.MEMBERS.value or found.tallied_at is None:
        return False
    if eligibility.refusal(session, user, found) is None:
        return False
    left = groups.left_at(session, user.id, found.group_id)
    return left is not None and left <= found.tallied_at


def not_counted_words(session: DbSession, found: Round, user: User) -> str | None:
    """Why the resident's saved ballot does not count, for their list of ballots (None: it counts, or
    may yet): left the group before the tally, or is no longer a member while the round is untallied."""
    if found.eligibility != Eligibility.MEMBERS.value or found.result_status == "cancelled":
        return None
    if found.tallied_at is not None:
        return (
            "not counted: you left the group before the tally"
            if left_before_tally(session, found, user)
            else None
        )
    if groups.membership(session, user.id, found.group_id) is None:
        return "does not count: you are no longer a member of the group"
    return None


def withdrawn_choices(outcome: RoundResults, choices: Mapping[int, int]) -> list[str]:
    """The titles of the ballot's choices that the tally left out (withdrawn since the list was made)."""
    return [c.title for c in outcome.unfunded if "withdrawn" in c.details and choices.get(c.issue_id, 0) > 0]


def only_withdrawn(withdrawn: list[str], choices: Mapping[int, int]) -> bool:
    """Whether every choice of the ballot was withdrawn (`withdrawn`: `withdrawn_choices`), so none of it
    counted for a candidate the tally weighed."""
    return bool(withdrawn) and len(withdrawn) == sum(1 for v in choices.values() if v > 0)
