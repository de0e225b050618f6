"""The officials' priority dashboard: ranked list, bulk status change, area summary, charts, maps, exports."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode

from flask import jsonify, redirect, render_template, request, session, url_for
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from app import charts
from app.auth.sessions import current_resident
from app.export_responses import export_response
from app.extensions import db
from app.models.timestamps import utcnow
from app.security import roles_required
from app.services.issues import places
from app.services.kernel.errors import DomainError, ValidationError
from app.services.workflow import status_changes as workflow
from app.services.workspace import dashboard
from app.services.workspace import stats as workspace_stats
from app.services.workspace.dashboard import DashboardFilters
from app.staff import bp, dashboard_maps
from app.staff.dashboard_forms import BulkStatusForm
from app.staff.typed_filters import typed_filters
from app.unit_of_work import unit_of_work

STAFF = ("official", "admin")
BULK_RESULT = "dashboard_bulk_result"  # session key: the last bulk change's outcome, shown once
NEW_COLOUR, FIXED_COLOUR, FIX_TIME_COLOUR = "#c2410c", "#1d7a3a", "#17407a"


def _charts(filters: DashboardFilters) -> dict[str, object]:
    now = utcnow()
    weekly = workspace_stats.weekly_new_vs_fixed(db.session, now.date(), filters.area_id, filters.category)
    by_category = workspace_stats.median_fix_by_category(db.session, filters.area_id, filters.category)
    first, last = weekly.weeks[0], weekly.weeks[-1] + timedelta(days=6)
    weekly_chart = charts.column_chart(
        title="New and fixed problems per week",
        desc=(
            f"Problems reported and problems fixed in each of the {len(weekly.weeks)} weeks from "
            f"{first:%d %b %Y} to {last:%d %b %Y}: {sum(weekly.new):,} reported, {sum(weekly.fixed):,} fixed."
        ),
        labels=[f"{m.day} {m:%b}" for m in weekly.weeks],
        series=[
            charts.Series("Reported", weekly.new, NEW_COLOUR),
            charts.Series("Fixed", weekly.fixed, FIXED_COLOUR),
        ],
        y_label="Problems",
        x_label="Week starting",
        label_every=4,
    )
    known = [(name, days) for name, days in by_category if days is not None]
    fix_chart = charts.bar_chart(
        title="Median time to fix, by category",
        desc="Median days from report to fix: "
        + ("; ".join(f"{name} {days:g} days" for name, days in known) or "nothing fixed yet")
        + ".",
        labels=[name for name, _ in by_category],
        values=[days for _, days in by_category],
        unit="days",
        x_label="Median days from report to fix",
        colour=FIX_TIME_COLOUR,
    )
    return {"weekly_chart": weekly_chart, "fix_chart": fix_chart}


def _maps(filters: DashboardFilters) -> dict[str, object]:
    areas = places.areas(db.session)
    # Open problems, as the map's caption says: like the other pictures, only area and category apply.
    open_counts = workspace_stats.open_by_area(db.session, filters.category)
    area_map, area_legend = dashboard_maps.choropleth(areas, open_counts, filters.area_id)
    selected = next((a for a in areas if a.id == filters.area_id), None)
    heat = dashboard_maps.heatmap(areas, selected)
    scope: dict[str, Any] = {"area": filters.area_id, "category": filters.category}
    return {
        "area_map": area_map,
        "area_legend": area_legend,
        "heat_map": heat.rendered,
        "heat_layer": heat.layer,
        "heat_url": url_for("staff.dashboard_heat", **{k: v for k, v in scope.items() if v}),
    }


#: The dashboard's filter form, as query parameters.
FILTER_NAMES = ("area", "category", "status", "from", "to", "min_likes", "overdue", "hidden", "sort")


def render_dashboard(
    args: Mapping[str, str],
    bulk_form: BulkStatusForm | None = None,
    status: int = 200,
    selected: Collection[str] = (),
    bulk_result: str | None = None,
    bulk_plan: workflow.BulkPlan | None = None,
) -> tuple[str, int]:
    """The whole page for the given query parameters; a bad filter shows its error above the defaults."""
    filter_error: DomainError | None = None
    try:
        filters = dashboard.parse_filters(db.session, args)
        sort = dashboard.parse_sort(args.get("sort"))
        page = dashboard.parse_page(args.get("page"))
    except ValidationError as exc:
        filter_error, filters, sort, page, status = exc, DashboardFilters(), "rank", 1, 422
    result = dashboard.priority_page(db.session, filters, sort, page)
    summary = workspace_stats.area_summary(db.session, utcnow(), filters)
    statuses = places.statuses(db.session)
    if bulk_form is None:
        bulk_form = BulkStatusForm(formdata=None)
    bulk_form.set_statuses(statuses)
    query = filters.as_query()
    return (
        render_template(
            "staff/dashboard.html",
            filters=filters,
            shown=typed_filters(args, FILTER_NAMES) if filter_error else {**query, "sort": sort},
            sort=sort,
            sorts=dashboard.SORTS,
            result=result,
            summary=summary,
            areas=places.areas(db.session),
            categories=places.categories(db.session),
            statuses=statuses,
            filter_error=filter_error,
            bulk_form=bulk_form,
            back=urlencode({**query, "sort": sort, "page": result.page}),
            # The pages' links keep the list's filters, from what was parsed: after a refused bulk change
            # (a POST) the request's own query is empty (found from outside: the links lost them).
            page_args={**query, "sort": sort},
            export_query=query,
            selected=set(selected),
            bulk_result=bulk_result,
            bulk_plan=bulk_plan,
            fixed_window_days=workspace_stats.FIXED_WINDOW_DAYS,
            **_charts(filters),
            **_maps(filters),
        ),
        status,
    )


@bp.get("/dashboard")
@roles_required(*STAFF)
def dashboard_page() -> tuple[str, int]:
    # The bulk change's outcome is shown beside the list it changed, not in the page's flashes far above.
    return render_dashboard(request.args, bulk_result=session.pop(BULK_RESULT, None))


@bp.get("/dashboard/heat.json")
@roles_required(*STAFF)
def dashboard_heat() -> Response:
    """Open issues per ~100 m cell for the heatmap: {"cells": [[lat, lon, count], ...], "max", "total"}."""
    filters = dashboard.parse_filters(db.session, request.args)
    cells = workspace_stats.heat_cells(db.session, filters.area_id, filters.category)
    response = jsonify(
        {
            "cells": [[round(lat, 5), round(lon, 5), n] for lat, lon, n in cells],
            "max": max((n for _lat, _lon, n in cells), default=0),
            "total": sum(n for _lat, _lon, n in cells),
        }
    )
    response.headers["Cache-Control"] = "private, max-age=60"
    return response


@bp.post("/dashboard/bulk-status")
@roles_required(*STAFF)
def bulk_status() -> tuple[str, int] | Response:
    form = BulkStatusForm()
    back_args = MultiDict(_parse_back(form.back.data or ""))
    if not form.validate_on_submit():  # only the CSRF token can fail here
        form.form_errors.append("The form expired; reload the page and try again.")
        return render_dashboard(back_args, form, 400, selected=request.form.getlist("issue_ids"))
    picked = request.form.getlist("issue_ids")
    if request.form.get("confirm") != "yes":
        # The staff see what the change would do, and confirm it, before anything changes.
        with unit_of_work(form) as work:
            plan = workflow.plan_bulk_change(
                db.session, current_resident(), picked, form.status.data or "", form.note.data or ""
            )
        if work.error is not None:
            return render_dashboard(back_args, form, work.error.status, selected=picked)
        return render_dashboard(back_args, form, 200, selected=picked, bulk_plan=plan)
    with unit_of_work(form) as work:
        change = workflow.bulk_change_status(
            db.session, current_resident(), picked, form.status.data or "", form.note.data or ""
        )
    if work.error is not None:
        # The ticked rows stay ticked, so fixing the note is all it takes to try again.
        return render_dashboard(
            back_args, form, work.error.status, selected=request.form.getlist("issue_ids")
        )
    message = bulk_words(change, workflow.find_status(db.session, form.status.data).name)
    session[BULK_RESULT] = message
    # Only _parse_back's filter names, never one of url_for's own (_external, _anchor, ...).
    back_values: dict[str, Any] = back_args.to_dict()
    return redirect(url_for("staff.dashboard_page", **back_values, _anchor="bulk-result"))


def bulk_words(change: workflow.BulkChange, status_name: str, shown: int = 10) -> str:
    """What a bulk change did, naming the status and the problems (found from outside: "Status changed
    for 2 issues." said neither which nor to what)."""
    ids = [f"#{event.issue_id}" for event in change.events]
    named = ", ".join(ids[:shown]) + (f" and {len(ids) - shown} more" if len(ids) > shown else "")
    changed = len(ids)
    message = f"Status changed for {changed} issue{'s' if changed != 1 else ''} to “{status_name}”"
    message += f": {named}." if ids else "."
    if change.unchanged_ids:
        left = len(change.unchanged_ids)
        message += f" {left} already had that status and {'was' if left == 1 else 'were'} left alone."
    return message


def _parse_back(raw: str) -> list[tuple[str, str]]:
    allowed = {"area", "category", "status", "from", "to", "min_likes", "overdue", "hidden", "sort", "page"}
    return [(k, v) for k, v in parse_qsl(raw) if k in allowed]


@bp.get("/exports/issues.csv")
@roles_required(*STAFF)
def export_csv() -> Response:
    """The filtered list in the dashboard's chosen sort (by id when none is given), marked as UTF-8 for
    the spreadsheet an official opens it in (found from outside: Excel showed "Ã‰glise")."""
    sort = dashboard.parse_sort(request.args["sort"]) if request.args.get("sort") else None
    filters = dashboard.parse_filters(db.session, request.args)
    return export_response("csv", filters, sort, for_spreadsheets=True)


@bp.get("/exports/issues.geojson")
@roles_required(*STAFF)
def export_geojson() -> Response:
    return export_response("geojson", dashboard.parse_filters(db.session, request.args))
