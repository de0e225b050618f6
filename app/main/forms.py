"""The filter form of Top priorities (a GET form: bookmarkable, no CSRF token needed)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, SubmitField

from app.models import Area, Category
from app.services.kernel.parsing import ID_MAX, is_whole_number


def optional_int(value: object) -> int | None:
    """A select's value as an id; blank means "all"."""
    if value in (None, ""):
        return None
    text = str(value)
    if isinstance(value, int) or (is_whole_number(text) and int(text) <= ID_MAX):
        return int(text)
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
