"""What the problem page shows about the money behind a costed problem: figures, the form, my backings."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_login import current_user

from app.extensions import db
from app.issues.forms import BackingForm
from app.models import Issue
from app.models.backing import CURRENCY, Backing, BackingStatus
from app.models.timestamps import utcnow
from app.services.funding import backing_limits, backings, match_sentences, pending_backings
from app.services.funding.backing_settlement import area_pool
from budgets.money import format_money


@dataclass(frozen=True)
class BackingPanel:
    """What the problem page shows about its money (None for a problem without a cost estimate)."""

    funding: backings.IssueFunding
    currency: str
    can_back: bool  # open, visible and not funded yet
    # Why the form is not shown although the problem can be backed (waiting backings cover its cost,
    # or this resident gave the most one may), else None.
    closed_why: str | None
    limit_words: str  # the amount field's hint: the per-resident cap, what is left of it, the cost's room
    has_pool: bool  # the area has a pool to move unfunded money to
    mine: list[Backing]
    form: BackingForm
    match_sentence: str | None  # the city's match in one sentence, once backed in a matching period
    match_period_id: int | None  # the period the sentence speaks of (its page explains the match)
    instructions: dict[int, tuple[str, str]]  # my pending backings' id -> (reference, whom to pay)


def backing_panel(issue: Issue, open_issue: bool, form: BackingForm | None = None) -> BackingPanel | None:
    figures = backings.issue_funding(db.session, issue, utcnow())
    if figures is None:
        return None
    mine = (
        backings.my_backings(db.session, current_user.id, issue.id) if current_user.is_authenticated else []
    )
    room = backing_limits.still_needed(db.session, issue)[0]
    given = sum(b.amount_cents for b in mine if b.status in backing_limits.CAPPED_STATUSES)
    closed_why, limit_words = _limits(figures, room, given)
    sentence, period_id = None, None
    if not issue.is_hidden:
        said = match_sentences.sentence_of_issue(db.session, issue.id, current_app.config["MATCH_CURRENCY"])
        sentence = said.text if said.kind != "none" else None
        period_id = said.period_id
    return BackingPanel(
        funding=figures,
        currency=CURRENCY,
        can_back=open_issue and not issue.is_hidden and not figures.committed,
        closed_why=closed_why,
        limit_words=limit_words,
        has_pool=area_pool(db.session, issue.area_id) is not None,
        mine=mine,
        form=form or BackingForm(),
        match_sentence=sentence,
        match_period_id=period_id,
        instructions={
            b.id: (
                pending_backings.payment_reference(b.id),
                pending_backings.payment_instructions(b, CURRENCY),
            )
            for b in mine
            if b.status == BackingStatus.PENDING.value
        },
    )


def _limits(figures: backings.IssueFunding, room: int, given: int) -> tuple[str | None, str]:
    """(why the form is closed or None, the amount's hint) from the cost's room and what I gave."""
    cap = figures.backer_cap_cents
    if room <= 0 and figures.pending_cents:
        return (
            "Backings waiting for the cashier cover the rest of its cost. If the cashier cancels one, "
            "it can be backed again.",
            "",
        )
    if room <= 0:  # the money held covers the cost: the next settlement funds it
        return "The money held for it already covers its cost: it is about to be funded.", ""
    if given >= cap:
        return f"You have backed it with {format_money(given, CURRENCY)}, the most one resident may.", ""
    if room < backing_limits.MIN_BACKING_CENTS:  # less than the smallest backing: that much, exactly
        return None, f"Its cost takes {format_money(room, CURRENCY)} more: back it with that."
    least = format_money(backing_limits.MIN_BACKING_CENTS, CURRENCY)
    words = f"For example 5.00: from {least} up to {format_money(cap, CURRENCY)} from one resident"
    if given:
        words += f", so {format_money(cap - given, CURRENCY)} more from you"
    if room < cap - given:
        words += f"; its cost takes {format_money(room, CURRENCY)} more"
    return None, words + "."
