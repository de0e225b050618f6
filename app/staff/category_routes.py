"""Admin page: the categories residents report under (app/services/workflow/category_config.py)."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from app.auth.sessions import current_resident
from app.extensions import db
from app.fields import sent_or_fresh
from app.security import roles_required
from app.services.issues import places
from app.services.kernel.errors import DomainError
from app.services.workflow import category_config
from app.staff import bp
from app.staff.forms import CategoryAddForm, CategoryEditForm, MoveForm, ReasonForm
from app.unit_of_work import run_form_action, show_error

ADMIN = ("admin",)


def _page(
    add: CategoryAddForm | None = None, error: DomainError | None = None, code: str | None = None
) -> tuple[str, int]:
    listed = places.categories(db.session)
    edits = {}
    for c in listed:
        # The category whose rename was refused keeps what was sent.
        sent = error is not None and c.code == code and request.method == "POST"
        edits[c.code] = sent_or_fresh(CategoryEditForm, sent, prefix=f"c-{c.code}", data={"name": c.name})
    if error is not None and code in edits:
        show_error(error, edits[code])
    page_errors = [error.message] if error is not None and code not in edits and add is None else []
    return (
        render_template(
            "staff/categories.html",
            categories=listed,
            used={c.code: category_config.in_use(db.session, c.code) for c in listed},
            edits=edits,
            add=add or CategoryAddForm(formdata=None),
            small=ReasonForm(formdata=None),
            page_errors=page_errors,
        ),
        error.status if error is not None else 200,
    )


@bp.route("/admin/categories", methods=["GET", "POST"])
@roles_required(*ADMIN)
def categories() -> Response | tuple[str, int]:
    if request.method == "GET":
        return _page()
    form = CategoryAddForm()
    error = run_form_action(
        form,
        lambda: category_config.add_category(db.session, current_resident(), form.code.data, form.name.data),
        f"Category {str(form.code.data or '').strip().lower()!r} added: residents can report under it now.",
    )
    if error is not None:
        show_error(error, form)
        return _page(add=form, error=error)
    return redirect(url_for("staff.categories"))


@bp.post("/admin/categories/<code>/update")
@roles_required(*ADMIN)
def rename_category(code: str) -> Response | tuple[str, int]:
    form = CategoryEditForm(prefix=f"c-{code}")
    error = run_form_action(
        form,
        lambda: category_config.rename_category(db.session, current_resident(), code, form.name.data),
        "Category renamed.",
    )
    return _page(error=error, code=code) if error else redirect(url_for("staff.categories"))


@bp.post("/admin/categories/<code>/move")
@roles_required(*ADMIN)
def move_category(code: str) -> Response | tuple[str, int]:
    form = MoveForm()
    error = run_form_action(
        form,
        lambda: category_config.move_category(
            db.session, current_resident(), code, form.direction.data or ""
        ),
        "Order saved.",
    )
    return _page(error=error) if error else redirect(url_for("staff.categories"))


@bp.post("/admin/categories/<code>/delete")
@roles_required(*ADMIN)
def delete_category(code: str) -> Response | tuple[str, int]:
    form = ReasonForm()
    error = run_form_action(
        form,
        lambda: category_config.delete_category(db.session, current_resident(), code),
        f"Category {code!r} deleted.",
    )
    return _page(error=error) if error else redirect(url_for("staff.categories"))
