"""The filter form of Top priorities (a GET form: bookmarkable, no CSRF token needed)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, SubmitField

from app.models import Area, Category


def optional_int(value: object) -> int | None:
    """A select's value as an id; blank means "all"."""
    if value in (None, ""):
        return None
    try:
        return int(str(value))
    except ValueError:
        return -1  # never an id: fails choice validation with a clear message


class PrioritiesFilterForm(FlaskForm):
    class Meta:
        csrf = False

    area = SelectField("Area", coerce=optional_int, validate_choice=True)
    category = SelectField("Category", default="", validate_choice=True)
    submit = SubmitField("Show")

    def set_choices(self, areas: list[Area], categories: list[Category]) -> None:
        self.area.choices = [("", "Whole city")] + [(a.id, a.name) for a in areas]
        self.category.choices = [("", "All categories")] + [(c.code, c.name) for c in categories]
