"""The desk's part of a problem's staff panel: who it is assigned to and the internal notes."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm

from app.auth.sessions import current_resident
from app.extensions import db
from app.fields import sent_or_fresh
from app.models import Issue
from app.services.workspace import assignment, notes
from app.staff.desk_forms import AssignForm, NoteForm


def desk_forms(issue: Issue, sent: str | None = None) -> dict[str, FlaskForm]:
    """The assignment and note forms; `sent` names the one this request posted (the others fresh)."""
    form = sent_or_fresh(AssignForm, sent == "assign")
    current = assignment.current(db.session, issue.id)
    form.assignee.choices = [(assignment.NOBODY, "Nobody")] + [
        (a.key, a.label) for a in assignment.assignee_choices(db.session, current)
    ]
    if sent != "assign" and current is not None:
        form.assignee.data = assignment.key_of(current)
    return {"assign": form, "note": sent_or_fresh(NoteForm, sent == "note")}


def desk_panel(issue: Issue) -> dict[str, Any]:
    return {
        "assigned_to": assignment.label_of(db.session, assignment.current(db.session, issue.id)),
        "notes": notes.notes_for(db.session, current_resident(), issue.id),
    }
