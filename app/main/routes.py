"""The city map, the Top priorities list, the how-it-works page and the open-data page."""

from __future__ import annotations

from flask import abort, current_app, render_template, request

from app import maps
from app.extensions import db
from app.follows.routes import viewer_follows
from app.main import bp
from app.main.forms import PrioritiesFilterForm
from app.models.place import StatusType
from app.open311.routes import MAX_REQUESTS
from app.services.issues import places
from app.services.issues import queries as issue_queries
from app.services.issues.list_orders import RANKING_RULE
from app.services.issues.queries import IssueFilters
from app.services.kernel.parsing import MAX_PAGE, is_whole_number

PER_PAGE = 20


@bp.get("/")
def index() -> str:
    bounds = maps.city_bounds(places.areas(db.session))
    city_map = maps.render(maps.build_map(bounds=bounds, cluster=True))
    return render_template(
        "main/index.html",
        map=city_map,
        categories=places.categories(db.session),
        statuses=places.statuses(db.session),
        has_areas=bounds is not None,
        cluster_max_zoom=current_app.config["MAP_CLUSTER_MAX_ZOOM"],
    )


@bp.get("/how-it-works")
def how_it_works() -> str:
    """What the site is for, in five steps, for a first-time visitor (found from outside: nothing said
    who reads the reports, what a like does or that residents can fund fixes)."""
    return render_template("main/how_it_works.html", ranking_rule=RANKING_RULE)


@bp.get("/open-data")
def open_data() -> str:
    """What programs may read, and where: the API, Open311, feeds, the ledger's files, Pabulib files."""
    return render_template("main/open_data.html", areas=places.areas(db.session), open311_max=MAX_REQUESTS)


@bp.get("/priorities")
def priorities() -> tuple[str, int] | str:
    areas = places.areas(db.session)
    categories = places.categories(db.session)
    form = PrioritiesFilterForm(request.args)
    form.set_choices(areas, categories)
    context = {"form": form, "ranking_rule": RANKING_RULE, "per_page": PER_PAGE}
    if not form.validate():
        return render_template("main/priorities.html", rows=[], total=0, area=None, **context), 422
    page = request.args.get("page", "1")
    if not is_whole_number(page) or not 1 <= int(page) <= MAX_PAGE:
        abort(404)
    area_id: int | None = form.area.data
    category = form.category.data or None
    total = issue_queries.count_issues(
        db.session, IssueFilters(category=category, statuses=(StatusType.OPEN.value,), area_id=area_id)
    )
    pages = max(1, -(-total // PER_PAGE))
    current = int(page)
    if current > pages:
        abort(404)
    offset = (current - 1) * PER_PAGE
    rows = issue_queries.ranked(db.session, area_id=area_id, category=category, limit=PER_PAGE, offset=offset)
    return render_template(
        "main/priorities.html",
        rows=rows,
        first_rank=offset + 1,
        page=current,
        pages=pages,
        total=total,
        area=next((a for a in areas if a.id == area_id), None),
        following=area_id is not None and viewer_follows(area_id=area_id),
        **context,
    )
