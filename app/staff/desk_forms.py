"""Forms of the officials' desk: assignment, internal notes, teams and target times."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField, TextAreaField

from app.services.kernel.text import NOTE_MAX


class AssignForm(FlaskForm):
    assignee = SelectField("Assigned to", choices=[], validate_choice=False)
    submit = SubmitField("Assign")


class NoteForm(FlaskForm):
    body = TextAreaField("Internal note (staff only)", render_kw={"maxlength": NOTE_MAX, "rows": 3})
    submit = SubmitField("Add note")


class TeamForm(FlaskForm):
    name = StringField("Team name", render_kw={"maxlength": 80, "placeholder": "Roads crew"})
    submit = SubmitField("Create team")


class MemberForm(FlaskForm):
    email = StringField("Official's email", render_kw={"type": "email", "maxlength": 254})
    submit = SubmitField("Add to team")


class TargetForm(FlaskForm):
    days = StringField("Target (days)", render_kw={"inputmode": "numeric", "size": 4})
    submit = SubmitField("Save")
