"""The staff inbox at /staff: what is new since the last visit, overdue, flagged and assigned to me."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, render_template

from app import mail_outbox
from app.auth.sessions import current_resident
from app.extensions import db
from app.models.timestamps import utcnow
from app.security import roles_required
from app.services.workspace import inbox
from app.staff import bp

STAFF = ("official", "admin")


@bp.get("/")
@roles_required(*STAFF)
def home() -> str:
    me = current_resident()
    now = utcnow()
    config = current_app.config
    since, first = inbox.record_visit(
        db.session, me, now, timedelta(minutes=config["INBOX_VISIT_GAP_MINUTES"])
    )
    found = inbox.build_inbox(db.session, me, now, since, config["STAFF_TARGET_DAYS"], first_visit=first)
    db.session.commit()  # the visit is remembered even if the page fails to render
    return render_template(
        "staff/home.html",
        inbox=found,
        has_dashboard="staff.dashboard_page" in current_app.view_functions,
        mail_counts=mail_outbox.counts_by_status(db.session) if me.is_admin else None,
    )
