"""Follow and unfollow buttons (logged in) and the unsubscribe link from emails (no login needed)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.auth.routes import safe_next
from app.auth.sessions import current_resident
from app.extensions import csrf, db
from app.follows import bp
from app.follows.forms import FollowForm
from app.models import Area, Issue
from app.services.issues import follows, notifications


def viewer_follows(*, issue_id: int | None = None, area_id: int | None = None) -> bool:
    """Whether the logged-in viewer follows the issue or area (the follow button's state)."""
    if not current_user.is_authenticated:
        return False
    return follows.is_following(db.session, current_user.id, issue_id=issue_id, area_id=area_id)


def _checked() -> None:
    if not FollowForm().validate_on_submit():
        abort(400)


def _act(following: bool, message: str, back: str, **target: int) -> Response:
    """Follow or unfollow one issue or area for the current resident, then go back to its page."""
    _checked()
    destination = safe_next(back)
    action = follows.follow if following else follows.unfollow
    action(db.session, current_resident(), **target)
    db.session.commit()
    flash(message, "success" if following else "info")
    return redirect(destination)


@bp.post("/issues/<int:issue_id>")
@login_required
def follow_issue(issue_id: int) -> Response:
    back = url_for("issues.detail", issue_id=issue_id)
    return _act(
        True,
        "You follow this problem: we email you when its status changes or the city posts an update.",
        back,
        issue_id=issue_id,
    )


@bp.post("/issues/<int:issue_id>/unfollow")
@login_required
def unfollow_issue(issue_id: int) -> Response:
    back = url_for("issues.detail", issue_id=issue_id)
    return _act(False, "You no longer follow this problem.", back, issue_id=issue_id)


@bp.post("/areas/<int:area_id>")
@login_required
def follow_area(area_id: int) -> Response:
    back = url_for("main.priorities", area=area_id)
    return _act(
        True, "You follow this area: we email you about new problems reported in it.", back, area_id=area_id
    )


@bp.post("/areas/<int:area_id>/unfollow")
@login_required
def unfollow_area(area_id: int) -> Response:
    back = url_for("main.priorities", area=area_id)
    return _act(False, "You no longer follow this area.", back, area_id=area_id)


def _target_name(subscription: notifications.Subscription) -> str:
    if subscription.rounds:
        return "the funding rounds you may vote in (voting opens, a reminder, the result, a cancellation)"
    if subscription.issue_id is not None:
        title = db.session.get(Issue, subscription.issue_id)
        return f"the problem “{title.title}”" if title is not None else "this problem"
    area = db.session.get(Area, subscription.area_id)
    return f"new problems in {area.name}" if area is not None else "this area"


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # the signed token is the credential; mail clients POST here without a form (RFC 8058)
def unsubscribe(token: str) -> tuple[str, int] | str:
    subscription = notifications.read_unsubscribe_token(token)
    if subscription is None:
        return render_template("follows/unsubscribe.html", invalid=True, done=False, what=None), 404
    what = _target_name(subscription)
    if request.method == "POST":
        notifications.unsubscribe(db.session, subscription)
        db.session.commit()
        return render_template(
            "follows/unsubscribe.html", invalid=False, done=True, what=what, rounds=subscription.rounds
        )
    # Found from outside: the link opened again after unsubscribing asked "Stop emails?" as if the
    # resident still got them. Without the follow, the page says they are unsubscribed already.
    subscribed = notifications.is_subscribed(db.session, subscription)
    return render_template(
        "follows/unsubscribe.html", invalid=False, done=not subscribed, what=what, rounds=subscription.rounds
    )
