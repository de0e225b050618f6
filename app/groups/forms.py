"""Forms for groups and pools: create, join/leave, pledge, confirm, match, open/close, payment details."""

from __future__ import annotations

import uuid

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from app.fields import WholeNumberField, choice_id
from app.services.funding.groups import NAME_MAX


class GroupForm(FlaskForm):
    area_id = SelectField(
        "Neighbourhood", coerce=choice_id, validators=[DataRequired("Choose a neighbourhood.")]
    )
    name = StringField(
        "Group name",
        validators=[
            DataRequired("Name is required."),
            Length(max=NAME_MAX, message=f"Name must be at most {NAME_MAX} characters."),
        ],
    )
    max_pledge = StringField("Largest pledge", default="500.00")
    submit = SubmitField("Create group")


class ActionForm(FlaskForm):
    """A button that only needs the CSRF token (join, leave, confirm)."""

    submit = SubmitField("Go")


class PledgeForm(FlaskForm):
    amount = StringField(
        "Amount to pledge",
        validators=[DataRequired("Enter the amount to pledge, for example 5.00.")],
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    show_name = BooleanField("Show my name on the public pool page")
    # A fresh key per rendered form: a double tap or a resubmitted page makes one pledge.
    idempotency_key = HiddenField(default=lambda: uuid.uuid4().hex)
    submit = SubmitField("Pledge")


class MatchForm(FlaskForm):
    ratio_num = WholeNumberField(
        "City adds", default=1, validators=[InputRequired("Required."), NumberRange(min=1, max=100)]
    )
    ratio_den = WholeNumberField(
        "for every … pledged", default=1, validators=[InputRequired("Required."), NumberRange(min=1, max=100)]
    )
    cap = StringField("Up to (cap)", validators=[DataRequired("A cap is required, for example 1000.00.")])
    submit = SubmitField("Add matching money")


class PaymentDetailsForm(FlaskForm):
    """The treasurers' words on where residents send what they pledge (checked by the service)."""

    payment_details = TextAreaField("Where residents send the money")
    submit = SubmitField("Save the payment details")


class PoolStateForm(FlaskForm):
    is_open = HiddenField()
    submit = SubmitField("Save")


class AppointAdminForm(FlaskForm):
    """The officials' form on a group's page: make one of its members an admin, by their address."""

    email = StringField(
        "Member's email address",
        validators=[DataRequired("Enter the member's email address."), Length(max=254)],
        render_kw={"autocomplete": "off", "type": "email"},
    )
    submit = SubmitField("Make group admin")
