"""The dashboard's bulk status form (the filters are a plain GET form parsed by the dashboard service)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, TextAreaField

from app.models import Status
from app.services.kernel.text import NOTE_MAX
from app.staff.forms import CHOOSE_STATUS


class BulkStatusForm(FlaskForm):
    """One status and one public note for every checked issue (the checkboxes are named issue_ids)."""

    status = SelectField("New status", validate_choice=False)
    note = TextAreaField("Public note for every selected issue", render_kw={"maxlength": NOTE_MAX, "rows": 2})
    back = HiddenField()  # the dashboard's query string, to come back to the same filters

    def set_statuses(self, statuses: list[Status]) -> None:
        # Duplicates are marked one by one from the issue page (they need the original).
        # A prompt first, not the first status: a second press would otherwise send the rows to "New".
        self.status.choices = [("", CHOOSE_STATUS)] + [
            (s.code, s.name) for s in statuses if s.code != "duplicate"
        ]
