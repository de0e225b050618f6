"""Admin pages of the desk: teams and their members, and each category's target time."""

from __future__ import annotations

from typing import Any

from flask import current_app, redirect, render_template, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from app.auth.sessions import current_resident
from app.extensions import db
from app.security import roles_required
from app.services.kernel.errors import DomainError
from app.services.workspace import targets, teams
from app.staff import bp
from app.staff.desk_forms import MemberForm, TargetForm, TeamForm
from app.staff.forms import ReasonForm
from app.unit_of_work import run_form_action, show_error

ADMIN = ("admin",)


def _desk_page(
    team_form: TeamForm | None = None,
    failed: tuple[str, int | str, FlaskForm] | None = None,
    error: DomainError | None = None,
) -> tuple[str, int]:
    """The page; a failed form (kind, id, form) is shown again with its error on its field, or the error
    is said on its own when the form's team or category is gone (found from outside: another admin had
    deleted it, and the page came back with a 404 and no word)."""
    member_forms = {t.id: MemberForm(prefix=f"m{t.id}", formdata=None) for t in teams.teams(db.session)}
    target_forms = {}
    for t in targets.targets(db.session, current_app.config["STAFF_TARGET_DAYS"]):
        target_forms[t.code] = TargetForm(
            prefix=f"t-{t.code}", formdata=None, data={"days": t.days if t.own else ""}
        )
    if failed is not None:
        kind, key, form = failed
        forms: dict[Any, FlaskForm] = member_forms if kind == "member" else target_forms
        if key in forms:
            forms[key] = form
            if error is not None:
                show_error(error, form)
        elif error is not None:
            show_error(error)
    elif error is not None:
        show_error(error, team_form)
    return (
        render_template(
            "staff/desk_admin.html",
            teams=teams.teams(db.session),
            targets=targets.targets(db.session, current_app.config["STAFF_TARGET_DAYS"]),
            default_days=current_app.config["STAFF_TARGET_DAYS"],
            team_form=team_form or TeamForm(formdata=None),
            member_forms=member_forms,
            target_forms=target_forms,
            small=ReasonForm(formdata=None),
        ),
        error.status if error is not None else 200,
    )


@bp.get("/admin/desk")
@roles_required(*ADMIN)
def desk_admin() -> tuple[str, int]:
    return _desk_page()


@bp.post("/admin/teams")
@roles_required(*ADMIN)
def create_team() -> Response | tuple[str, int]:
    form = TeamForm()
    error = run_form_action(
        form,
        lambda: teams.create_team(db.session, current_resident(), form.name.data),
        f"Team {form.name.data!r} created.",
    )
    return _desk_page(team_form=form, error=error) if error else redirect(url_for("staff.desk_admin"))


@bp.post("/admin/teams/<int:team_id>/delete")
@roles_required(*ADMIN)
def delete_team(team_id: int) -> Response | tuple[str, int]:
    form = ReasonForm()
    error = run_form_action(
        form,
        lambda: teams.delete_team(db.session, current_resident(), team_id),
        "Team deleted; its problems are unassigned.",
    )
    return (
        _desk_page(team_form=TeamForm(formdata=None), error=error)
        if error
        else redirect(url_for("staff.desk_admin"))
    )


@bp.post("/admin/teams/<int:team_id>/members")
@roles_required(*ADMIN)
def add_team_member(team_id: int) -> Response | tuple[str, int]:
    form = MemberForm(prefix=f"m{team_id}")
    error = run_form_action(
        form,
        lambda: teams.add_member(db.session, current_resident(), team_id, form.email.data),
        "Member added.",
    )
    return (
        _desk_page(failed=("member", team_id, form), error=error)
        if error
        else redirect(url_for("staff.desk_admin", _anchor=f"team-{team_id}"))
    )


@bp.post("/admin/teams/<int:team_id>/members/<int:user_id>/delete")
@roles_required(*ADMIN)
def remove_team_member(team_id: int, user_id: int) -> Response | tuple[str, int]:
    form = ReasonForm()
    error = run_form_action(
        form,
        lambda: teams.remove_member(db.session, current_resident(), team_id, user_id),
        "Member removed.",
    )
    return (
        _desk_page(team_form=TeamForm(formdata=None), error=error)
        if error
        else redirect(url_for("staff.desk_admin", _anchor=f"team-{team_id}"))
    )


@bp.post("/admin/targets/<code>")
@roles_required(*ADMIN)
def set_target(code: str) -> Response | tuple[str, int]:
    form = TargetForm(prefix=f"t-{code}")
    error = run_form_action(
        form,
        lambda: targets.set_target(db.session, current_resident(), code, form.days.data),
        "Target time saved.",
    )
    return (
        _desk_page(failed=("target", code, form), error=error)
        if error
        else redirect(url_for("staff.desk_admin", _anchor="targets"))
    )
