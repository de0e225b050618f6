"""Forms for matching periods: a new period (amounts in the major unit), and closing one."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from app.fields import choice_id
from app.services.kernel.city_time import zone_name


class PeriodForm(FlaskForm):
    name = StringField(
        "Name",
        validators=[
            DataRequired("Name is required."),
            Length(max=120, message="Name must be at most 120 characters."),
        ],
    )
    area_id = SelectField("Neighbourhood", coerce=choice_id)
    opens_at = StringField("Opens at (empty: now)", render_kw={"type": "datetime-local"})
    closes_at = StringField(
        "Closes at: the campaign deadline",
        validators=[DataRequired("The closing time is required: when the period closes.")],
        render_kw={"type": "datetime-local"},
    )
    fund = StringField(
        "City's fund", validators=[DataRequired("The fund is required, for example 10000.00.")]
    )
    problem_cap = StringField(
        "Most match per problem",
        validators=[DataRequired("The per-problem cap is required, for example 500.00.")],
    )
    backer_cap = StringField(
        "Most one resident may back a problem with",
        validators=[DataRequired("The per-resident cap is required, for example 50.00.")],
    )
    submit = SubmitField("Create matching period")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Typed times are read in the city's zone (app/services/kernel/city_time.py): the labels say which.
        zone = zone_name()
        self.opens_at.label.text = f"Opens at ({zone} time, empty: now)"
        self.closes_at.label.text = f"Closes at ({zone} time): the campaign deadline"


class CloseForm(FlaskForm):
    """Only the CSRF token; the confirmation is the button's confirm=yes."""
