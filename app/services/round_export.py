"""A round as a Pabulib .pb file (placeholder until budgets/ offers its writer)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.services.errors import Conflict


def pb_file(session: Session, round_id: int, base_url: str) -> tuple[str, str]:
    raise Conflict("The .pb export is not available yet.")
