"""Matching period pages: the list, a period with each problem's match, creating and closing (officials)."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from app.auth.sessions import current_resident
from app.charts import money_text, stacked_bar_chart
from app.extensions import db
from app.matching import bp
from app.matching.forms import CloseForm, PeriodForm
from app.models.backing import MatchingPeriod
from app.models.timestamps import utcnow
from app.security import roles_required
from app.services.funding import match_sentences, matching_periods, pending_backings, quadratic_match
from app.services.issues import places
from app.services.issues.public_titles import public_titles
from app.services.kernel.city_time import city_input, in_city, zone_name
from app.services.kernel.errors import ValidationError
from app.services.kernel.parsing import parse_amount, parse_time
from app.unit_of_work import is_access_error, unit_of_work
from budgets.allocation import counted
from budgets.money import major_units, plain_cents

STAFF = ("official", "admin")
CHART_TOP = 10
FIELD_NAMES = {"fund_cents": "fund", "problem_cap_cents": "problem_cap", "backer_cap_cents": "backer_cap"}
INPUT_TIME = "%Y-%m-%dT%H:%M"  # what a datetime-local input holds


@bp.get("/matching-periods")
def index() -> str:
    periods = matching_periods.list_periods(db.session)
    return render_template(
        "matching/list.html",
        periods=periods,
        areas=matching_periods.area_names(db.session),
        currency=current_app.config["MATCH_CURRENCY"],
        now=utcnow(),
        staff=current_user.is_authenticated and current_user.is_staff,
    )


@bp.route("/matching-periods/new", methods=["GET", "POST"])
@roles_required(*STAFF)
def new() -> tuple[str, int] | BaseResponse:
    form = PeriodForm()
    form.area_id.choices = [(0, "City-wide")] + [(a.id, a.name) for a in places.areas(db.session)]
    status = 422 if form.is_submitted() else 200
    if form.validate_on_submit():
        asked = _parsed(form)
        if asked is not None:
            with unit_of_work(form, field_names=FIELD_NAMES) as work:
                period = matching_periods.create_period(db.session, current_resident(), asked, utcnow())
            if work.error is not None:
                status = work.error.status
            else:
                flash(f"Matching period {period.name} created.", "success")
                return redirect(url_for("matching.period", period_id=period.id))
    return render_template("matching/new.html", form=form), status


def _parsed(form: PeriodForm) -> dict[str, object] | None:
    """The form's times and amounts read, each refusal under its own field (found from outside: a fund
    of -5, a cap of "abc" and a past deadline showed only the first); None when any was refused."""
    readers: dict[str, tuple[str, Callable[[str], object]]] = {
        "opens_at": ("opens_at", lambda raw: _typed_time(raw, "opens_at")),
        "closes_at": ("closes_at", lambda raw: _typed_time(raw, "closes_at")),
        "fund_cents": ("fund", lambda raw: parse_amount(raw, "fund", label="The fund")),
        "problem_cap_cents": (
            "problem_cap",
            lambda raw: parse_amount(raw, "problem_cap", label="The per-problem cap"),
        ),
        "backer_cap_cents": (
            "backer_cap",
            lambda raw: parse_amount(raw, "backer_cap", label="The per-resident cap"),
        ),
    }
    asked: dict[str, object] = {"name": form.name.data, "area_id": form.area_id.data or None}
    refused = False
    for key, (name, read) in readers.items():
        try:
            asked[key] = read(getattr(form, name).data)
        except ValidationError as error:
            getattr(form, name).errors.append(error.message)
            refused = True
    return None if refused else asked


TIME_WORDS = {"opens_at": "The opening time", "closes_at": "The closing time"}


def _typed_time(raw: str | None, field: str) -> str | None:
    """A typed time for the service, read in the city's zone, refused here when it is not a time (in
    words: found from outside, 'opens_at must be a date and time like "2027-03-01T09:00:00Z"')."""
    found = city_input(raw, field)
    if found is not None:
        try:
            parse_time(found, field)
        except ValidationError:
            raise ValidationError(
                f"{TIME_WORDS[field]} must be a date and time, like 2027-03-01 18:00.", field
            ) from None
    return found


@bp.get("/matching-periods/<int:period_id>")
def period(period_id: int) -> str:
    found = matching_periods.get_period(db.session, period_id)
    standing = quadratic_match.standing(db.session, period_id)
    currency = current_app.config["MATCH_CURRENCY"]
    titles = public_titles(db.session, [p.issue_id for p in standing.problems])
    sentences = match_sentences.explain_period(db.session, standing, currency)
    rows = [(p, titles.get(p.issue_id, ""), sentences[p.issue_id]) for p in standing.problems]
    returned_cents = sum(s.match_cents for s in sentences.values() if s.returned)
    top = rows[:CHART_TOP]
    chart = stacked_bar_chart(
        # Found from outside: a period without backings read "the top 0 problems".
        title=f"The city's match of the top {counted(len(top), 'problem')}" if top else "The city's match",
        desc=f"The match of each problem in {currency}, largest first.",
        labels=[title for _p, title, _s in top],
        values=[major_units(p.match_cents) for p, _t, _s in top],
        unit="",
        value_text=money_text(currency),
        x_label=f"City match ({currency})",
        empty_message="No problem has a match yet.",
    )
    now = utcnow()
    return render_template(
        "matching/period.html",
        period=found,
        standing=standing,
        returned_cents=returned_cents,
        rows=rows,
        chart=chart,
        area=matching_periods.area_names(db.session).get(found.area_id or 0),
        currency=currency,
        running=found.closed_at is None and found.opens_at <= now,
        waiting=pending_backings.waiting_in_period(db.session, period_id),
        can_close=current_user.is_authenticated
        and current_user.is_staff
        and found.closed_at is None
        and found.opens_at <= now,
        can_change=current_user.is_authenticated and current_user.is_staff and found.closed_at is None,
        form=CloseForm(),
    )


# The edit form's fields -> the service's keys (as _parsed gives them).
FORM_KEYS = {
    "name": "name",
    "area_id": "area_id",
    "opens_at": "opens_at",
    "closes_at": "closes_at",
    "fund": "fund_cents",
    "problem_cap": "problem_cap_cents",
    "backer_cap": "backer_cap_cents",
}


def _as_typed(found: MatchingPeriod) -> dict[str, object]:
    """The period as its form shows it: times in the city's zone to the minute, amounts in major units."""
    return {
        "name": found.name,
        "area_id": found.area_id or 0,
        "opens_at": in_city(found.opens_at).strftime(INPUT_TIME),
        "closes_at": in_city(found.closes_at).strftime(INPUT_TIME),
        "fund": plain_cents(found.fund_cents),
        "problem_cap": plain_cents(found.problem_cap_cents),
        "backer_cap": plain_cents(found.backer_cap_cents),
    }


@bp.route("/matching-periods/<int:period_id>/edit", methods=["GET", "POST"])
@roles_required(*STAFF)
def edit(period_id: int) -> tuple[str, int] | BaseResponse:
    """Change a period (found from outside: only the API could, so a typo in its name or a deadline
    to move took a program). Fields left as shown are not sent: a time shown to the minute or an
    amount in major units would otherwise read as a change."""
    found = matching_periods.get_period(db.session, period_id)
    if found.closed_at is not None:
        flash("This matching period is closed: its terms no longer change.", "error")
        return redirect(url_for("matching.period", period_id=period_id))
    shown = _as_typed(found)
    form = PeriodForm(data=shown)
    form.area_id.choices = [(0, "City-wide")] + [(a.id, a.name) for a in places.areas(db.session)]
    form.submit.label.text = "Save the changes"
    status = 422 if form.is_submitted() else 200
    if form.validate_on_submit():
        parsed = _parsed(form)
        if parsed is not None:
            asked = {
                key: parsed[key] for name, key in FORM_KEYS.items() if getattr(form, name).data != shown[name]
            }
            if "opens_at" in asked and asked["opens_at"] is None:  # emptied: "empty: now", as on creating
                asked["opens_at"] = utcnow().isoformat() + "Z"
            # Once open, only the closing time moves the window: a refusal of the window is said there
            # (found from outside: an overlap showed under the read-only opening).
            names = {**FIELD_NAMES, "opens_at": "closes_at"} if found.opens_at <= utcnow() else FIELD_NAMES
            with unit_of_work(form, field_names=names) as work:
                matching_periods.update_period(db.session, current_resident(), period_id, asked, utcnow())
            if work.error is not None:
                status = work.error.status
            else:
                flash(f"Matching period {found.name} saved." if asked else "Nothing changed.", "success")
                return redirect(url_for("matching.period", period_id=period_id))
    fixed = found.opens_at <= utcnow()
    if fixed:
        form.opens_at.label.text = f"Opened at ({zone_name()} time)"
    return render_template("matching/edit.html", form=form, period=found, fixed=fixed), status


@bp.post("/matching-periods/<int:period_id>/close")
@roles_required(*STAFF)
def close(period_id: int) -> BaseResponse:
    form = CloseForm()
    if not form.validate_on_submit():
        abort(400)
    if request.form.get("confirm") != "yes":
        flash("Nothing changed: confirm with the “Yes, close …” button.", "error")
        return redirect(url_for("matching.period", period_id=period_id))
    with unit_of_work(reraise=is_access_error) as work:
        closing = quadratic_match.close_by_hand(db.session, current_resident(), period_id, utcnow())
    if work.error is None:
        problems = "problem" if closing.postings == 1 else "problems"
        flash(f"The period is closed: the match was posted for {closing.postings} {problems}.", "success")
    return redirect(url_for("matching.period", period_id=period_id))
