"""Forms for reporting a problem and for liking one."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from app.models import Category
from app.services.issues.reports import DESCRIPTION_MAX, TITLE_MAX
from app.services.kernel.errors import DomainError

PLACE_PIN = "Place the pin: tap the map where the problem is, or use “Use my location”."
# Service errors about the place land beside the map, shown with the lat field's errors.
LOCATION_FIELDS = {"lat", "lon", "location"}


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

    def location_errors(self) -> list[str]:
        """The place's errors once each (a missing pin fails both lat and lon)."""
        return list(dict.fromkeys([*self.lat.errors, *self.lon.errors]))

    def apply_error(self, error: DomainError) -> None:
        """Show a service error on its field; place errors beside the map, others on the form."""
        name = "lat" if error.field in LOCATION_FIELDS else error.field
        field = getattr(self, name, None) if name else None
        if field is not None and hasattr(field, "errors") and name != "submit":
            field.errors = [*list(field.errors), error.message]
        else:
            self.form_errors.append(error.message)


class LikeForm(FlaskForm):
    """Only the CSRF token: the issue comes from the URL, the resident from the session."""

    submit = SubmitField("Like")
