"""Staff actions on one issue: change status, mark duplicate, hide/unhide, edit text."""

from __future__ import annotations

from app.staff import bp  # noqa: F401
