"""Free text from residents and staff: the rules every note, title and description is cleaned by."""

from __future__ import annotations

from app.services.kernel.errors import ValidationError

NOTE_MAX = 2000


def clean_note(raw: object, *, required: bool = True, field: str = "note") -> str:
    note = str(raw if raw is not None else "").strip()
    if required and not note:
        raise ValidationError("Note is required: say what changed, residents read it.", field)
    if len(note) > NOTE_MAX:
        raise ValidationError(f"Note must be at most {NOTE_MAX:,} characters (it has {len(note):,}).", field)
    return note
