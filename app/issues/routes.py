"""Problem pages: report a problem, the problem page, likes from a form, photos."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app import maps
from app.auth.routes import safe_next
from app.auth.sessions import current_resident
from app.extensions import db
from app.fields import ask_photo_again, uploaded_bytes
from app.follows.routes import viewer_follows
from app.issues import bp, place_without_script
from app.issues.backing_panel import backing_panel
from app.issues.forms import LOCATION_FIELDS, BackingForm, LikeForm, ReportForm
from app.models import Issue
from app.photo_stores import photo_settings, photo_store
from app.ratelimits import limit
from app.services.issues import likes, money, own_reports, photo_access, places, reports
from app.services.issues import queries as issue_queries
from app.services.issues.photo_store import PhotoNotFound
from app.services.issues.queries import IssueRow
from app.services.workflow import moderation
from app.staff.estimate_routes import EstimateForm
from app.staff.payout_routes import PayoutForm, ReturnForm
from app.staff.workflow_routes import staff_panel, staff_panel_forms
from app.timeline.forms import UpdateForm
from app.timeline.routes import timeline_panel
from app.unit_of_work import unit_of_work

ISSUE_ZOOM = 17
# A public photo may be kept by the viewer's own browser for 5 minutes, never by a shared cache (a
# moderator may hide it at any moment); a photo only staff may see is not stored at all.
PUBLIC_PHOTO_CACHE = "private, max-age=300"
STAFF_ONLY_PHOTO_CACHE = "private, no-store"


@bp.route("/new", methods=["GET", "POST"])
@login_required
@limit("RATE_LIMIT_REPORT", per_user=True)
def new() -> tuple[str, int] | Response:
    # "Hide my name" starts as the resident's default (account settings); a sent form keeps its own.
    form = ReportForm(hide_name=current_resident().hide_name_default)
    form.set_categories(places.categories(db.session))
    status, found = 200, None
    if place_without_script.asked():  # "Find it" without JavaScript: the form comes back placed
        found = place_without_script.find(form)
    elif form.is_submitted():
        status = 422
    if found is None and form.validate_on_submit():
        with unit_of_work(form, field_names=LOCATION_FIELDS) as work:
            issue = reports.create_issue(
                db.session,
                current_resident(),
                lat=form.lat.data,
                lon=form.lon.data,
                category=form.category.data,
                title=form.title.data,
                description=form.description.data,
                hide_name=bool(form.hide_name.data),
                photo=uploaded_bytes(form.photo.data),
                photo_settings=photo_settings(),
            )
        if work.error is not None:
            status = work.error.status
        else:
            if issue.awaiting_confirmation:  # held until the reporter's address is confirmed
                flash(
                    "Thank you! Your report is saved: it goes on the map once you confirm your email "
                    "(open the link we mailed you).",
                    "success",
                )
            else:
                flash("Thank you! Your report is on the map; residents can now like it.", "success")
            # At #sent: the page removes the draft kept while the report was typed (report-draft.js).
            return redirect(url_for("issues.detail", issue_id=issue.id, _anchor="sent"))
    if form.is_submitted():
        ask_photo_again(form.photo)
    if found is None and place_without_script.without_script():
        # Sent back for another reason: it still says where the report is; without a place, how to
        # give one without the map.
        found = place_without_script.kept(form)
        if form.lat.errors or form.lon.errors:
            # Both: the page joins their messages (found from outside: the longitude's still said to
            # tap the map or use "Use my location", neither of which a page without JavaScript shows).
            form.lat.errors = [place_without_script.FIND_FIRST]
            form.lon.errors = []
    bounds = maps.city_bounds(places.areas(db.session))
    city_map = maps.render(maps.build_map(bounds=bounds))
    return (
        render_template(
            "issues/new.html", form=form, map=city_map, outside_city=reports.OUTSIDE_THE_CITY, found=found
        ),
        status,
    )


def visible_original(issue: Issue) -> IssueRow | None:
    """The report a duplicate was merged into, when the viewer may see it."""
    if issue.duplicate_of_id is None:
        return None
    original = issue_queries.get_issue(db.session, issue.duplicate_of_id)
    if not moderation.can_see_issue(original, current_user):
        return None
    return issue_queries.get_issue_row(db.session, original.id)


@bp.get("/<int:issue_id>")
def detail(issue_id: int) -> str:
    return detail_page(issue_id)


def detail_page(
    issue_id: int,
    backing_form: BackingForm | None = None,
    payout_form: PayoutForm | None = None,
    update_form: UpdateForm | None = None,
) -> str:
    """The problem page; `backing_form`, `payout_form` and `update_form` are sent forms shown again with
    their errors."""
    issue = issue_queries.get_issue(db.session, issue_id)
    moderation.check_visible(issue, current_user)
    row = issue_queries.get_issue_row(db.session, issue_id)
    liked = current_user.is_authenticated and bool(
        likes.liked_issue_ids(db.session, current_user.id, [issue_id])
    )
    small_map = maps.build_map(location=(row.lat, row.lon), zoom=ISSUE_ZOOM)
    maps.add_pin(small_map, row.lat, row.lon, row.status_type, row.status)
    staff = bool(current_user.is_authenticated and current_user.is_staff)
    original = visible_original(issue)
    return render_template(
        "issues/detail.html",
        issue=issue,
        row=row,
        liked=liked,
        like_form=LikeForm(),
        map=maps.render(small_map),
        following=viewer_follows(issue_id=issue_id),
        original=original,
        timeline_panel=timeline_panel(issue, update_form),
        staff_forms=staff_panel_forms(issue) if staff else None,
        staff_panel=staff_panel(issue) if staff else None,
        estimate_form=EstimateForm() if staff else None,
        backing=backing_panel(
            issue, row.status_type == "open" and issue.duplicate_of_id is None, backing_form
        ),
        money=money.money_of(db.session, issue_id),
        payout_form=(payout_form or PayoutForm()) if staff else None,
        return_form=ReturnForm() if staff else None,
        own=own_panel(issue),
    )


def own_panel(issue: Issue) -> dict[str, bool] | None:
    """What the reporter may do with their published report (None for anyone else): hide or show their
    name, and, while nobody else has taken it up, correct or withdraw it."""
    if (
        not current_user.is_authenticated
        or current_user.id != issue.reporter_id
        or issue.awaiting_confirmation
    ):
        return None
    return {"may_change": own_reports.may_change(db.session, current_resident(), issue)}


@bp.post("/<int:issue_id>/like")
@login_required
@limit("RATE_LIMIT_LIKE", per_user=True)
def like(issue_id: int) -> Response:
    target = safe_next(url_for("issues.detail", issue_id=issue_id))
    likes.like(db.session, current_resident(), issue_id)
    db.session.commit()
    flash("You like this problem. It moves up the priorities.", "success")
    return redirect(target)


@bp.post("/<int:issue_id>/unlike")
@login_required
@limit("RATE_LIMIT_LIKE", per_user=True)
def unlike(issue_id: int) -> Response:
    target = safe_next(url_for("issues.detail", issue_id=issue_id))
    likes.unlike(db.session, current_resident(), issue_id)
    db.session.commit()
    flash("Your like is withdrawn.", "info")
    return redirect(target)


@bp.get("/photos/<path:filename>")
def photo(filename: str) -> Response:
    """A photo the viewer may see; a hidden one (or one of a hidden issue or update) is 404 to the public."""
    staff = bool(current_user.is_authenticated and current_user.is_staff)
    viewer_id = current_user.id if current_user.is_authenticated else None
    found = photo_access.viewable_photo(db.session, filename, staff=staff, viewer_id=viewer_id)
    if found is None:
        abort(404)
    try:
        # Read whole (photos are re-encoded to at most PHOTO_MAX_SIDE pixels): no file stays open
        # when the answer is a 304, and any store works the same way.
        with photo_store().open(found.filename) as stream:
            data = stream.read()
    except PhotoNotFound:
        abort(404)
    response = Response(data, mimetype=found.content_type)
    response.set_etag(found.filename)  # a photo's name is never reused for other bytes
    response.last_modified = found.created_at
    response.make_conditional(request)
    response.headers["Cache-Control"] = PUBLIC_PHOTO_CACHE if found.public else STAFF_ONLY_PHOTO_CACHE
    return response


@bp.after_request
def uncached_missing_photo(response: Response) -> Response:
    """A photo's 404 is not kept anywhere: a moderator may show the photo again."""
    if response.status_code == 404 and request.endpoint == "issues.photo":
        response.headers["Cache-Control"] = "no-store"
    return response
