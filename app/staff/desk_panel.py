"""The desk's part of a problem's staff panel: who it is assigned to and the internal notes."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm

from app.auth.sessions import current_resident
from app.extensions import db
from app.models import Issue
from app.services.workspace import assignment, notes
from app.staff.desk_forms import AssignForm, NoteForm


def desk_forms(issue: Issue) -> dict[str, FlaskForm]:
    form = AssignForm()
    form.assignee.choices = [(assignment.NOBODY, "Nobody")] + [
        (a.key, a.label) for a in assignment.assignee_choices(db.session)
    ]
    if not form.is_submitted():
        current = assignment.current(db.session, issue.id)
        if current is not None:
            form.assignee.data = f"team:{current.team_id}" if current.team_id else f"user:{current.user_id}"
    return {"assign": form, "note": NoteForm()}


def desk_panel(issue: Issue) -> dict[str, Any]:
    return {
        "assigned_to": assignment.label_of(db.session, assignment.current(db.session, issue.id)),
        "notes": notes.notes_for(db.session, current_resident(), issue.id),
    }
