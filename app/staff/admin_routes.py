"""Admin pages: statuses, moderation log, audit log and blocks."""

from __future__ import annotations

from app.staff import bp  # noqa: F401
