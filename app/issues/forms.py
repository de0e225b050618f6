"""Forms for reporting a problem, liking one and backing one."""

from __future__ import annotations

import uuid

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length

from app.models import Category
from app.services.issues.reports import DESCRIPTION_MAX, TITLE_MAX
from app.services.kernel.text import one_newline

PLACE_PIN = "Place the pin: tap the map where the problem is, or use “Use my location”."
# Service errors about the place land beside the map, shown with the lat field's errors.
LOCATION_FIELDS = {"lat": "lat", "lon": "lat", "location": "lat"}


class ReportForm(FlaskForm):
    lat = HiddenField("Latitude", validators=[InputRequired(PLACE_PIN)])
    lon = HiddenField("Longitude", validators=[InputRequired(PLACE_PIN)])
    # The service checks the code against the city's categories and names the field.
    category = SelectField("Category", validators=[DataRequired("Choose a category.")], validate_choice=False)
    title = StringField(
        "Title",
        validators=[
            DataRequired("Title is required."),
            Length(max=TITLE_MAX, message=f"Title must be at most {TITLE_MAX} characters."),
        ],
    )
    description = TextAreaField(
        "Description",
        filters=[one_newline],
        validators=[
            DataRequired("Description is required."),
            Length(
                max=DESCRIPTION_MAX, message=f"Description must be at most {DESCRIPTION_MAX:,} characters."
            ),
        ],
    )
    photo = FileField("Photo")
    hide_name = BooleanField("Hide my name on the public page")
    submit = SubmitField("Submit report")

    def set_categories(self, categories: list[Category]) -> None:
        self.category.choices = [("", "Choose a category…")] + [(c.code, c.name) for c in categories]

    def required_messages(self) -> dict[str, str]:
        """Each required field's message for when it is left empty, by field name: the page checks them
        before sending (report-check.js), in the server's words."""
        found = {}
        for name, bound in self._fields.items():
            for validator in bound.validators:
                if isinstance(validator, (DataRequired, InputRequired)) and validator.message:
                    found[name] = str(validator.message)
        return found

    def location_errors(self) -> list[str]:
        """The place's errors once each (a missing pin fails both lat and lon)."""
        return list(dict.fromkeys([*self.lat.errors, *self.lon.errors]))


class LikeForm(FlaskForm):
    """Only the CSRF token: the issue comes from the URL, the resident from the session."""

    submit = SubmitField("Like")


class BackingForm(FlaskForm):
    """Back a problem: an amount typed in euros, what happens if it is not funded, and the name shown."""

    amount = StringField(
        "Amount to back it with",
        validators=[DataRequired("Enter the amount, for example 5.00.")],
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    fallback = RadioField(
        "If it is not funded",
        choices=[("refund", "Refund me"), ("pool", "Move it to this area's pool")],
        default="refund",
        validators=[InputRequired("Choose what happens if the problem is not funded.")],
    )
    show_name = BooleanField("Show my name among the backers")
    # A fresh key per rendered form: a double tap or a resubmitted page makes one backing.
    idempotency_key = HiddenField(default=lambda: uuid.uuid4().hex)
    submit = SubmitField("Back this problem")


class CorrectForm(FlaskForm):
    """A reporter corrects their report nobody else has taken up (app/services/issues/own_reports.py):
    the service checks the text as a report's."""

    title = StringField("Title", render_kw={"maxlength": TITLE_MAX})
    description = TextAreaField(
        "Description", filters=[one_newline], render_kw={"maxlength": DESCRIPTION_MAX, "rows": 6}
    )
    submit = SubmitField("Save the correction")
