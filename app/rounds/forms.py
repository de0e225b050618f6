"""Forms of the round pages; the services validate the values and name the field on errors."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Optional

from app.fields import WholeNumberField
from app.services.kernel.city_time import zone_name

# Labels in words a group admin follows, the ballot's name after them (found from outside: "k-approval:
# at most k ticks each"; a rule's long name was cut off in a phone-wide select).
BALLOT_CHOICES = [
    ("approval", "Tick all they support (approval)"),
    ("k-approval", "Tick up to a number (k-approval)"),
    ("knapsack", "Tick what fits the pool (knapsack)"),
    ("cumulative", "Spread points (cumulative)"),
    ("likes", "Their likes are their vote"),
]
RULE_CHOICES = [
    ("equalshares/add1", "Method of Equal Shares"),
    # The names the round's pages and refusals use (found from outside: a refusal said "Most votes
    # first" beside a list that called it "Greedy").
    ("greedy", "Most votes first"),
    ("phragmen", "Phragmén's sequential rule"),
    ("exactequalshares/addopt", "Exact Equal Shares"),
    ("exactequalshares/addoptskip", "Exact Equal Shares, quicker"),
]
ELIGIBILITY_CHOICES = [
    ("members", "Confirmed members of the group (who had joined when voting opens)"),
    ("census", "Residents verified against the city's census of the area"),
    ("codes", "Holders of a one-time voting code handed out by the city"),
]
LEFTOVER_CHOICES = [
    ("rollover", "Keep it for the next round"),
    ("refund", "Give it back to those who pledged, in proportion to what each gave"),
]


class RoundForm(FlaskForm):
    name = StringField("Name", render_kw={"maxlength": 120, "placeholder": "Spring 2027"})
    ballot = SelectField("How members vote", choices=BALLOT_CHOICES, validate_choice=False)
    k = WholeNumberField("Most ticks per ballot", validators=[Optional()], render_kw={"inputmode": "numeric"})
    points = WholeNumberField(
        "Points per member", validators=[Optional()], render_kw={"inputmode": "numeric"}
    )
    rule = SelectField("How the money is shared out", choices=RULE_CHOICES, validate_choice=False)
    top_n = WholeNumberField("Problems on the ballot", default=10, validators=[Optional()])
    leftover = RadioField(
        "Money left over", choices=LEFTOVER_CHOICES, default="rollover", validate_choice=False
    )
    voting = BooleanField("Members vote (otherwise their likes count as approval ballots)", default=True)
    opens_at = StringField("Voting opens at (optional)", render_kw={"type": "datetime-local"})
    closes_at = StringField("Voting closes at (optional)", render_kw={"type": "datetime-local"})
    min_turnout = WholeNumberField(
        "Minimum turnout (ballots, optional)", validators=[Optional()], render_kw={"inputmode": "numeric"}
    )
    eligibility = RadioField(
        "Who may vote", choices=ELIGIBILITY_CHOICES, default="members", validate_choice=False
    )
    submit = SubmitField("Create round")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Typed times are read in the city's zone (app/services/kernel/city_time.py): the labels say which.
        zone = zone_name()
        self.opens_at.label.text = f"Voting opens at ({zone} time, optional)"
        self.closes_at.label.text = f"Voting closes at ({zone} time, optional)"


class EligibilityForm(FlaskForm):
    eligibility = RadioField("Who may vote", choices=ELIGIBILITY_CHOICES, validate_choice=False)
    submit = SubmitField("Change who may vote")


class VerifyForm(FlaskForm):
    identifier = StringField(
        "Your identifier", render_kw={"autocomplete": "off", "spellcheck": "false", "maxlength": 200}
    )
    submit = SubmitField("Verify")


class PhaseForm(FlaskForm):
    phase = HiddenField()


class MatchForm(FlaskForm):
    """The round's city match; drawn with the round's current ratio and cap (rounds.routes.match_form),
    so sending it unchanged changes nothing. An empty ratio means no match."""

    match_ratio = StringField("City match per amount pledged, as a ratio", render_kw={"placeholder": "1:1"})
    match_cap = StringField("Cap (optional)", render_kw={"inputmode": "decimal", "placeholder": "500.00"})
    submit = SubmitField("Set the city match")


class ActionForm(FlaskForm):
    """A button that only needs the CSRF token (tally, ballot)."""


class ReasonForm(FlaskForm):
    """Sending a result back or cancelling a round: the official says why (shown to the group, audited)."""

    reason = TextAreaField("Reason (shown to the group)", render_kw={"maxlength": 1000, "rows": 3})


class CodeBatchForm(FlaskForm):
    """An official generates a batch of one-time voting codes (shown once: slips or a CSV file)."""

    count = WholeNumberField("How many codes", default=50, render_kw={"inputmode": "numeric"})
    label = StringField(
        "Where they are handed out", render_kw={"maxlength": 120, "placeholder": "Library, Saturday"}
    )
    output = RadioField(
        "Show them as",
        choices=[("slips", "Printable slips (one per voter)"), ("csv", "A CSV file")],
        default="slips",
        validate_choice=False,
    )
    submit = SubmitField("Generate the codes")


class CodeClaimForm(FlaskForm):
    """A resident types the voting code from their slip on the ballot page."""

    code = StringField(
        "Your voting code",
        render_kw={
            "maxlength": 40,
            "autocomplete": "off",
            "autocapitalize": "characters",
            "spellcheck": "false",
        },
    )
    submit = SubmitField("Use this code")


class PaperEntryForm(FlaskForm):
    """An official types one paper ballot: the voter's code or census identifier, then the choices."""

    code = StringField("Voting code on the ballot", render_kw={"maxlength": 40, "autocomplete": "off"})
    identifier = StringField("Voter's census identifier", render_kw={"maxlength": 100, "autocomplete": "off"})
    submit = SubmitField("Save this entry")


class VoidForm(FlaskForm):
    reason = StringField("Why it is void", render_kw={"maxlength": 500})
    submit = SubmitField("Void this ballot")
