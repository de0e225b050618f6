"""Reading an issue's state, timeline and audit trail in a fresh app context, for the workflow tests."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry, Issue, IssueEvent


def issue_state(app: Flask, issue_id: int) -> dict[str, Any]:
    with app.app_context():
        issue = db.session.get(Issue, issue_id)
        assert issue is not None
        return {
            "status": issue.status,
            "likes": issue.likes_count,
            "duplicate_of": issue.duplicate_of_id,
            "hidden": issue.is_hidden,
            "title": issue.title,
            "description": issue.description,
            "acknowledged_at": issue.acknowledged_at,
            "fixed_at": issue.fixed_at,
            "closed_at": issue.closed_at,
            "last_activity_at": issue.last_activity_at,
        }


def events_of(app: Flask, issue_id: int) -> list[tuple[str, str | None, str | None, str]]:
    with app.app_context():
        rows = db.session.execute(
            select(IssueEvent.kind, IssueEvent.from_status, IssueEvent.to_status, IssueEvent.note)
            .where(IssueEvent.issue_id == issue_id)
            .order_by(IssueEvent.id)
        ).tuples()
        return list(rows)


def audit_actions(app: Flask) -> list[tuple[str, str]]:
    with app.app_context():
        return list(
            db.session.execute(
                select(AuditEntry.action, AuditEntry.target_id).order_by(AuditEntry.id)
            ).tuples()
        )
