"""Staff actions on one issue: change status, mark duplicate, hide/unhide, edit text; its staff page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from app.auth.sessions import current_resident
from app.extensions import db
from app.fields import sent_or_fresh
from app.models import Issue, IssueEvent, Photo
from app.security import roles_required
from app.services.funding import backings
from app.services.issues import money as issue_money
from app.services.issues import places
from app.services.issues import queries as issue_queries
from app.services.kernel.errors import DomainError, NotFound
from app.services.workflow import duplicates, flags, moderation
from app.services.workflow import status_changes as workflow
from app.services.workflow.deciding_rounds import deciding_rounds
from app.services.workspace import assignment, duplicate_choices, notes
from app.staff import bp
from app.staff.desk_forms import AssignForm, NoteForm
from app.staff.desk_panel import desk_forms, desk_panel
from app.staff.forms import (
    CHOOSE_STATUS,
    CategoryChangeForm,
    DuplicateForm,
    EditForm,
    ReasonForm,
    StatusForm,
)
from app.staff.payout_routes import PayoutForm, ReturnForm
from app.timeline.routes import timeline_panel
from app.unit_of_work import show_error, unit_of_work

STAFF = ("official", "admin")


def _status_form(issue: Issue, sent: bool) -> StatusForm:
    form = sent_or_fresh(StatusForm, sent)
    # A prompt first, not the first status: after a change, a second press would send it back to "New".
    form.status.choices = [("", CHOOSE_STATUS)] + [
        (s.code, f"{s.name} ({s.type})")
        for s in places.statuses(db.session)
        if s.code not in (issue.status, workflow.DUPLICATE_STATUS)
    ]
    return form


def _status_name(form: StatusForm) -> str:
    """The chosen status's name, as its choice reads less the type (found from outside: the change's
    message named neither the problem nor the status, as the bulk change's does)."""
    label = next((str(text) for code, text in form.status.choices or [] if code == form.status.data), "")
    return label.rsplit(" (", 1)[0] or str(form.status.data or "")


def _edit_form(issue: Issue, sent: bool) -> EditForm:
    form = sent_or_fresh(EditForm, sent)
    if not sent:
        form.title.data, form.description.data = issue.title, issue.description
    return form


def _category_form(issue: Issue, sent: bool) -> CategoryChangeForm:
    form = sent_or_fresh(CategoryChangeForm, sent)
    form.category.choices = [
        (c.code, c.name) for c in places.categories(db.session) if c.code != issue.category_code
    ]
    return form


def staff_panel_forms(issue: Issue, sent: str | None = None) -> dict[str, FlaskForm]:
    """The forms of the staff panel that the issue page includes for officials and admins; `sent` names
    the one this request posted, shown again as it was sent."""
    return {
        "status": _status_form(issue, sent == "status"),
        "duplicate": sent_or_fresh(DuplicateForm, sent == "duplicate"),
        "edit": _edit_form(issue, sent == "edit"),
        "category": _category_form(issue, sent == "category"),
        "reason": sent_or_fresh(ReasonForm, sent == "reason"),
        **desk_forms(issue, sent),
    }


def staff_panel(issue: Issue) -> dict[str, Any]:
    """What the staff panel shows besides its forms: assignment, internal notes, duplicate candidates."""
    config = current_app.config
    return {
        **desk_panel(issue),
        "radius_m": config["DUPLICATE_RADIUS_M"],
        "candidates": []
        if issue.duplicate_of_id
        else duplicate_choices.nearby_open(
            db.session, issue, config["DUPLICATE_RADIUS_M"], config["DUPLICATE_LIMIT"] * 2
        ),
    }


def _manage_page(
    issue_id: int, failed: str | None = None, error: DomainError | None = None
) -> tuple[str, int]:
    """The staff page of one issue; on a failed action its form shows the error on the named field."""
    issue = issue_queries.get_issue(db.session, issue_id)
    forms = staff_panel_forms(issue, failed)
    if failed and error is not None:
        show_error(error, forms[failed])
    row = issue_queries.get_issue_row(db.session, issue_id)
    return (
        render_template(
            "staff/issue.html",
            issue=issue,
            row=row,
            staff_forms=forms,
            staff_panel=staff_panel(issue),
            timeline_panel=timeline_panel(issue),
            money=issue_money.money_of(db.session, issue_id),
            payout_form=PayoutForm(),
            return_form=ReturnForm(),
            sent=failed,  # the form that came back: its group opens (and takes the focus) on the page
        ),
        error.status if error is not None else 200,
    )


def _issue_missing(error: DomainError) -> bool:
    """The issue itself is gone: a 404 page, not an error on one of its forms."""
    return isinstance(error, NotFound) and error.field == "issue_id"


def _act(
    issue_id: int,
    form_name: str,
    form: FlaskForm,
    action: Callable[[], Any],
    done: str,
    to_issue: bool = True,
) -> Response | tuple[str, int]:
    """Validate the CSRF token, run the service, commit once; on a domain error nothing is kept."""
    if not form.validate_on_submit():
        return _manage_page(issue_id, form_name, DomainError("The form expired; try again.", "csrf_token"))
    with unit_of_work(reraise=_issue_missing, show=False) as work:
        action()
    if work.error is not None:
        return _manage_page(issue_id, form_name, work.error)
    flash(done, "success")
    target = "issues.detail" if to_issue else "staff.manage_issue"
    return redirect(url_for(target, issue_id=issue_id))


@bp.get("/issues/<int:issue_id>")
@roles_required(*STAFF)
def manage_issue(issue_id: int) -> tuple[str, int]:
    return _manage_page(issue_id)


@bp.post("/issues/<int:issue_id>/status")
@roles_required(*STAFF)
def change_status(issue_id: int) -> Response | tuple[str, int]:
    issue = issue_queries.get_issue(db.session, issue_id)
    form = _status_form(issue, sent=True)
    return _act(
        issue_id,
        "status",
        form,
        lambda: workflow.change_status(
            db.session, current_resident(), issue_id, form.status.data, form.note.data
        ),
        f"Status of #{issue_id} changed to “{_status_name(form)}”; the note is on the timeline.",
    )


@bp.post("/issues/<int:issue_id>/duplicate")
@roles_required(*STAFF)
def mark_duplicate(issue_id: int) -> Response | str | tuple[str, int]:
    """Without `confirm=yes`, a review of what the merge would do; with it, the merge (never undone)."""
    form = DuplicateForm()
    # A typed number wins over the list: it is the deliberate choice when both are given.
    original = form.original_id.data if (form.original_id.data or "").strip() else form.original_choice.data
    if "change" in request.form:  # "No, change it" on the review: the form again as it was sent
        return _manage_page(issue_id, "duplicate")
    if request.form.get("confirm") == "yes":
        return _act(
            issue_id,
            "duplicate",
            form,
            lambda: duplicates.mark_duplicate(
                db.session, current_resident(), issue_id, original, form.note.data
            ),
            "Closed as a duplicate; its likes and followers moved to the original.",
        )
    if not form.validate_on_submit():
        return _manage_page(issue_id, "duplicate", DomainError("The form expired; try again.", "csrf_token"))
    with unit_of_work(reraise=_issue_missing, show=False) as work:
        found = duplicates.preview(db.session, current_resident(), issue_id, original)
    if work.error is not None:
        return _manage_page(issue_id, "duplicate", work.error)
    # The city's match in the escrow goes back with the campaign (funding's figure: workflow knows none).
    match = backings.escrow_match_cents(db.session, issue_id)
    deciding = deciding_rounds(db.session, issue_id)
    return render_template(
        "staff/duplicate_review.html", form=form, merge=found, match_cents=match, rounds=deciding
    )


@bp.post("/issues/<int:issue_id>/edit")
@roles_required(*STAFF)
def edit_issue(issue_id: int) -> Response | tuple[str, int]:
    form = EditForm()
    return _act(
        issue_id,
        "edit",
        form,
        lambda: moderation.edit_issue_text(
            db.session,
            current_resident(),
            issue_id,
            title=form.title.data,
            description=form.description.data,
            reason=form.reason.data,
        ),
        "Text saved; the original is kept in the moderation log.",
    )


@bp.post("/issues/<int:issue_id>/category")
@roles_required(*STAFF)
def change_category(issue_id: int) -> Response | tuple[str, int]:
    form = CategoryChangeForm()
    return _act(
        issue_id,
        "category",
        form,
        lambda: moderation.change_category(
            db.session, current_resident(), issue_id, form.category.data, form.reason.data
        ),
        "Category changed; the one it had is kept in the moderation log.",
    )


@bp.post("/issues/<int:issue_id>/<any(hide, unhide):action>")
@roles_required(*STAFF)
def hide_issue(issue_id: int, action: str) -> Response | tuple[str, int]:
    form = ReasonForm()
    return _act(
        issue_id,
        "reason",
        form,
        lambda: flags.hide_on_page(
            db.session, current_resident(), "issue", issue_id, action == "hide", form.reason.data
        ),
        "The issue is hidden from the public." if action == "hide" else "The issue is public again.",
        to_issue=action == "unhide",
    )


def _hide_item(kind: str, item_id: int, issue_id: int, anchor: str, action: str) -> Response:
    """Hide or show an update or a photo from its problem's page. A refusal (a flagged item needs a
    reason, told to its flaggers) comes back beside the item, not on the problem's own "Hide this issue"
    form (found from outside: pressing "Hide photo" opened that form, and typing the reason there hid
    the whole report while the photo stayed)."""
    form = ReasonForm()
    what = "update" if kind == "update" else "photo"
    if not form.validate_on_submit():
        flash("The form expired; try again.", "error")
        return redirect(url_for("issues.detail", issue_id=issue_id, _anchor=anchor))
    with unit_of_work(reraise=_issue_missing, show=False) as work:
        flags.hide_on_page(db.session, current_resident(), kind, item_id, action == "hide", form.reason.data)
    if work.error is not None:
        flash(f"The {what} was not hidden: {work.error.message}", "error")
    elif action == "hide":
        flash(f"The {what} is hidden from the public.", "success")
    else:
        flash(f"The {what} is public again.", "success")
    return redirect(url_for("issues.detail", issue_id=issue_id, _anchor=anchor))


@bp.post("/updates/<int:event_id>/<any(hide, unhide):action>")
@roles_required(*STAFF)
def hide_update(event_id: int, action: str) -> Response:
    event = db.get_or_404(IssueEvent, event_id)
    return _hide_item("update", event_id, event.issue_id, f"event-{event_id}", action)


@bp.post("/photos/<int:photo_id>/<any(hide, unhide):action>")
@roles_required(*STAFF)
def hide_photo(photo_id: int, action: str) -> Response:
    photo = db.get_or_404(Photo, photo_id)
    return _hide_item("photo", photo_id, photo.issue_id, f"photo-{photo_id}", action)


@bp.post("/issues/<int:issue_id>/assign")
@roles_required(*STAFF)
def assign_issue(issue_id: int) -> Response | tuple[str, int]:
    form = AssignForm()
    chosen = request.form.get("assignee", "")
    return _act(
        issue_id,
        "assign",
        form,
        lambda: assignment.assign(db.session, current_resident(), issue_id, chosen),
        "Assignment saved." if chosen else "Nobody is assigned now.",
    )


@bp.post("/issues/<int:issue_id>/notes")
@roles_required(*STAFF)
def add_internal_note(issue_id: int) -> Response | tuple[str, int]:
    form = NoteForm()
    return _act(
        issue_id,
        "note",
        form,
        lambda: notes.add_note(db.session, current_resident(), issue_id, form.body.data),
        "Internal note added; only staff can read it.",
    )
