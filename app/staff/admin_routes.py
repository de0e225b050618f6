"""Admin pages: statuses, moderation log, audit log and blocks (officials are refused)."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from app.auth.sessions import current_resident
from app.extensions import db
from app.fields import sent_or_fresh
from app.models import AuditEntry, ModerationRecord
from app.security import roles_required
from app.services.accounts import blocking
from app.services.issues import places
from app.services.kernel.errors import DomainError, ValidationError
from app.services.workflow import status_config
from app.services.workspace import audit_search
from app.staff import bp
from app.staff.forms import (
    BlockAccountForm,
    BlockDomainForm,
    MoveForm,
    ReasonForm,
    StatusAddForm,
    StatusEditForm,
)
from app.staff.typed_filters import typed_filters
from app.unit_of_work import run_form_action, show_error

ADMIN = ("admin",)


def _statuses_page(
    add: StatusAddForm | None = None, error: DomainError | None = None, code: str | None = None
) -> tuple[str, int]:
    statuses = places.statuses(db.session)
    edits = {}
    for s in statuses:
        # The status whose change was refused keeps what was sent (a retype asks to confirm it).
        sent = error is not None and s.code == code and request.method == "POST"
        stored = {"name": s.name, "type": s.type}
        edits[s.code] = sent_or_fresh(StatusEditForm, sent, prefix=f"s-{s.code}", data=stored)
    if error is not None and code in edits:
        show_error(error, edits[code])
    page_errors = [error.message] if error is not None and code not in edits and add is None else []
    return (
        render_template(
            "staff/statuses.html",
            statuses=statuses,
            edits=edits,
            add=add or StatusAddForm(formdata=None),
            small=ReasonForm(formdata=None),
            page_errors=page_errors,
            required=status_config.REQUIRED_TYPES,
        ),
        error.status if error is not None else 200,
    )


@bp.route("/admin/statuses", methods=["GET", "POST"])
@roles_required(*ADMIN)
def statuses() -> Response | tuple[str, int]:
    if request.method == "GET":
        return _statuses_page()
    form = StatusAddForm()
    error = run_form_action(
        form,
        lambda: status_config.add_status(
            db.session,
            current_resident(),
            form.code.data,
            form.name.data,
            form.type.data,
        ),
        f"Status {form.code.data!r} added.",
    )
    if error is not None:
        show_error(error, form)
        return _statuses_page(add=form, error=error)
    return redirect(url_for("staff.statuses"))


@bp.post("/admin/statuses/<code>/update")
@roles_required(*ADMIN)
def update_status(code: str) -> Response | tuple[str, int]:
    form = StatusEditForm(prefix=f"s-{code}")
    error = run_form_action(
        form,
        lambda: status_config.update_status(
            db.session,
            current_resident(),
            code,
            form.name.data,
            form.type.data,
            bool(form.confirm_retype.data),
        ),
        "Status saved.",
    )
    return _statuses_page(error=error, code=code) if error else redirect(url_for("staff.statuses"))


@bp.post("/admin/statuses/<code>/move")
@roles_required(*ADMIN)
def move_status(code: str) -> Response | tuple[str, int]:
    form = MoveForm()
    error = run_form_action(
        form,
        lambda: status_config.move_status(db.session, current_resident(), code, form.direction.data or ""),
        "Order saved.",
    )
    return _statuses_page(error=error) if error else redirect(url_for("staff.statuses"))


@bp.post("/admin/statuses/<code>/delete")
@roles_required(*ADMIN)
def delete_status(code: str) -> Response | tuple[str, int]:
    form = ReasonForm()
    error = run_form_action(
        form,
        lambda: status_config.delete_status(db.session, current_resident(), code),
        f"Status {code!r} deleted.",
    )
    return _statuses_page(error=error) if error else redirect(url_for("staff.statuses"))


#: A log page's filter form, as query parameters.
LOG_FILTER_NAMES = ("actor", "action", "from", "to")


def _log_page(template: str, model: Any, actions: dict[str, str], lines: Any) -> tuple[str, int]:
    """A log page: its filters from the query string (a bad one is shown above the unfiltered log)."""
    error: DomainError | None = None
    try:
        filters = audit_search.parse_filters(request.args, actions)
        page = audit_search.parse_page(request.args.get("page"))
    except ValidationError as exc:
        error, filters, page = exc, audit_search.LogFilters(), 1
    return (
        render_template(
            template,
            page=lines(db.session, filters, page),
            filters=filters,
            query=filters.as_query(),
            shown=typed_filters(request.args, LOG_FILTER_NAMES) if error else filters.as_query(),
            actors=audit_search.actors(db.session, model),
            actions=actions,
            filter_error=error,
        ),
        error.status if error is not None else 200,
    )


@bp.get("/admin/moderation")
@roles_required(*ADMIN)
def moderation_log() -> tuple[str, int]:
    return _log_page(
        "staff/moderation_log.html",
        ModerationRecord,
        audit_search.MODERATION_ACTIONS,
        audit_search.moderation_lines,
    )


@bp.get("/admin/audit")
@roles_required(*ADMIN)
def audit_log() -> tuple[str, int]:
    return _log_page(
        "staff/audit_log.html", AuditEntry, audit_search.audit_actions(db.session), audit_search.audit_lines
    )


def _blocks_page(
    account: BlockAccountForm | None = None, domain: BlockDomainForm | None = None, status: int = 200
) -> tuple[str, int]:
    domains = blocking.blocked_domains(db.session)
    asked = (request.args.get("q") or "").strip()[:120]
    users, users_total = blocking.blocked_users(db.session, asked)
    return (
        render_template(
            "staff/blocks.html",
            account=account or BlockAccountForm(formdata=None),
            domain=domain or BlockDomainForm(formdata=None),
            small=ReasonForm(formdata=None),
            asked=asked,
            users=users,
            users_total=users_total,
            domains=domains,
            blocked_counts=blocking.blocked_counts(db.session, domains),
        ),
        status,
    )


@bp.get("/admin/blocks")
@roles_required(*ADMIN)
def blocks() -> tuple[str, int]:
    return _blocks_page()


@bp.post("/admin/blocks/accounts")
@roles_required(*ADMIN)
def block_account() -> Response | tuple[str, int]:
    form = BlockAccountForm()
    block = form.action.data == "block"
    error: DomainError | None
    if form.action.data not in ("block", "unblock"):
        # Found from outside: any action but "unblock" (action=explode) blocked the account. The
        # message goes on the form: `action` is the pressed button's, with no place for one.
        error = ValidationError("Action must be block or unblock.")
    else:
        error = run_form_action(
            form,
            lambda: blocking.set_user_blocked(
                db.session,
                current_resident(),
                form.email.data,
                block,
                confirm_work=bool(form.confirm_work.data),
            ),
            f"{form.email.data} is {'blocked' if block else 'unblocked'}.",
        )
    if error is not None:
        show_error(error, form)
        return _blocks_page(account=form, status=error.status)
    return redirect(url_for("staff.blocks"))


@bp.post("/admin/blocks/domains")
@roles_required(*ADMIN)
def block_domain() -> Response | tuple[str, int]:
    form = BlockDomainForm()
    error = run_form_action(
        form,
        lambda: blocking.block_domain(
            db.session,
            current_resident(),
            form.domain.data,
            form.reason.data,
            bool(form.confirm_accounts.data),
        ),
        "Domain blocked; its existing accounts are blocked too.",
    )
    if error is not None:
        show_error(error, form)
        return _blocks_page(domain=form, status=error.status)
    return redirect(url_for("staff.blocks"))


@bp.post("/admin/blocks/domains/<int:domain_id>/delete")
@roles_required(*ADMIN)
def unblock_domain(domain_id: int) -> Response | tuple[str, int]:
    form = ReasonForm()
    also = request.form.get("unblock_accounts") == "yes"
    error = run_form_action(
        form,
        lambda: blocking.unblock_domain(db.session, current_resident(), domain_id, also),
        # What was done, counted: accounts under a domain still blocked stay blocked with it.
        (lambda n: f"Domain allowed again; {n:,} account{'' if n == 1 else 's'} unblocked with it.")
        if also
        else "Domain allowed again; its blocked accounts stay blocked until you unblock them.",
    )
    if error is not None:
        show_error(error)
    return redirect(url_for("staff.blocks"))
