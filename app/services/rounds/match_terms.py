"""A round's city match: its terms ("1:1" and a cap), and when they are fixed.

The match makes the budget members decide with, so it is fixed once they decide: from voting's opening,
or in a round whose ballots are the members' likes (no voting phase), from pledging's opening, when the
likes start to count. Found from outside: an official could change the match after the vote, even after
the ballots were published in the round's export, and so pick the outcome.
"""

from __future__ import annotations

from typing import Any

from app.models import Round
from app.models.rounds import PHASE_ORDER, Phase
from app.services.kernel.errors import Conflict, ValidationError
from app.services.kernel.parsing import parse_ratio
from app.services.workflow.estimates import parse_cents
from budgets.money import NO_CAP_CENTS


def parse_match(data: dict[str, Any]) -> tuple[int, int, int] | None:
    """ "num:den" (e.g. "1:1", "1:2") and an optional cap in cents; None when no ratio is given."""
    raw = data.get("match_ratio")
    if raw in (None, ""):
        if data.get("match_cap_cents") not in (None, ""):
            raise ValidationError('A match cap needs a match ratio (match_ratio, e.g. "1:1").', "match_ratio")
        return None
    try:
        num, den = parse_ratio(raw, "match_ratio")
    except ValidationError:
        raise ValidationError(
            'The city match ratio must look like "1:1": city money per amount pledged, in whole numbers.',
            "match_ratio",
        ) from None
    if num > 100 or den > 100:
        raise ValidationError("The city match ratio's numbers must be between 1 and 100.", "match_ratio")
    cap = data.get("match_cap_cents")
    cap_cents = NO_CAP_CENTS if cap in (None, "") else parse_cents(cap, "match_cap_cents")
    return num, den, cap_cents


def fixed_since(found: Round) -> str | None:
    """Since when the round's match is fixed, in words ("voting has opened"); None while it may change."""
    position = PHASE_ORDER.index(found.phase)
    voting = position >= PHASE_ORDER.index(Phase.VOTING) or found.voting_at is not None
    if found.has_voting_phase and voting:
        return "voting has opened"
    if not found.has_voting_phase and position >= PHASE_ORDER.index(Phase.PLEDGING):
        return "pledging has opened (likes are the ballots)"
    return None


def require_match_open(found: Round, match: tuple[int | None, int | None, int | None]) -> None:
    """Refuse a change of the match once members decide with it (sending the same terms is no change)."""
    said = fixed_since(found)
    if said is not None and match != (found.match_num, found.match_den, found.match_cap_cents):
        raise Conflict(f"The city's match cannot change once {said}: members decide with it.", "match_ratio")
