"""Round pages' official and closing actions: close voting, certify, send back, release, cancel.

Each is a POST from a confirmation step that says what happens (rounds/_confirm.html sends
confirm=yes); a POST without it changes nothing. The services check the roles and audit the act.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.auth.sessions import current_resident
from app.extensions import db
from app.models import Round
from app.rounds import bp
from app.rounds.forms import ActionForm, ReasonForm
from app.rounds.routes import confirmed, runs
from app.services.rounds import certification, turnout, windows
from app.services.rounds.access import get_round
from app.unit_of_work import is_access_error, unit_of_work


def _act(
    round_id: int,
    form_ok: bool,
    what: str,
    act: Callable[[], Round],
    done: str | Callable[[Round], str],
    to: str,
    staff: bool = True,
) -> Response:
    if not form_ok:
        abort(400)
    back = url_for("rounds.detail", round_id=round_id)
    if not confirmed():
        # Whoever may not act at all is told so (403) rather than asked to confirm.
        allowed = current_user.is_staff if staff else runs(get_round(db.session, round_id).group_id)
        if not allowed or current_user.is_blocked:
            abort(403)
        flash(f"Nothing was done: confirm {what} with the button that says what happens.", "error")
        return redirect(back)
    with unit_of_work(flash_prefix="Not done: ", reraise=is_access_error) as work:
        found = act()
    if work.failed:
        return redirect(back)
    flash(done if isinstance(done, str) else done(found), "success")
    return redirect(url_for(to, round_id=round_id))


@bp.post("/rounds/<int:round_id>/voting-close")
@login_required
def close_voting(round_id: int) -> Response:
    return _act(
        round_id,
        ActionForm().validate_on_submit(),
        "closing voting",
        lambda: windows.close_voting(db.session, current_resident(), round_id),
        lambda found: (
            "Voting is closed: no more ballots are taken. "
            + (
                "The tally waits for a city official: fewer ballots than the round's minimum turnout."
                if turnout.is_held(db.session, found)
                else "The round can now be tallied."
            )
        ),
        "rounds.detail",
        staff=False,
    )


@bp.post("/rounds/<int:round_id>/certification")
@login_required
def certify(round_id: int) -> Response:
    return _act(
        round_id,
        ActionForm().validate_on_submit(),
        "the certification",
        lambda: certification.certify(db.session, current_resident(), round_id),
        "The result is certified: the money is allocated and the funded problems are planned (work already "
        "in progress stays so).",
        "rounds.results",
    )


@bp.post("/rounds/<int:round_id>/send-back")
@login_required
def send_back(round_id: int) -> Response:
    form = ReasonForm()
    return _act(
        round_id,
        form.validate_on_submit(),
        "sending the result back",
        lambda: certification.send_back(db.session, current_resident(), round_id, form.reason.data),
        "The result was sent back: the group's admins can tally the round again.",
        "rounds.detail",
    )


@bp.post("/rounds/<int:round_id>/turnout-release")
@login_required
def release(round_id: int) -> Response:
    return _act(
        round_id,
        ActionForm().validate_on_submit(),
        "the release",
        lambda: turnout.release(db.session, current_resident(), round_id),
        "The tally is released: the round can be tallied with the turnout it has.",
        "rounds.detail",
    )


@bp.post("/rounds/<int:round_id>/cancellation")
@login_required
def cancel(round_id: int) -> Response:
    form = ReasonForm()
    return _act(
        round_id,
        form.validate_on_submit(),
        "the cancellation",
        lambda: turnout.cancel(db.session, current_resident(), round_id, form.reason.data),
        "The round is cancelled: nothing was allocated and the pool keeps its money.",
        "rounds.detail",
        staff=False,  # a group's admins cancel before voting opens; the service says who may when
    )
