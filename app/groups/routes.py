"""Group and pool pages: list, group page with pledging, treasurer page, transparency, CSV."""

from __future__ import annotations

from collections.abc import Callable

import folium
from flask import Response, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response as BaseResponse

from app import maps
from app.auth.sessions import current_resident
from app.charts import money_text, stacked_bar_chart
from app.database.sessions import DbSession
from app.export_responses import streamed_csv
from app.extensions import db
from app.groups import bp
from app.groups.forms import (
    ActionForm,
    AppointAdminForm,
    GroupForm,
    PledgeForm,
)
from app.models import Area, Group, Pledge, User
from app.ratelimits import limit
from app.security import roles_required
from app.services.funding import (
    group_admins,
    groups,
    ledger,
    ledger_chain,
    matching,
    money_flow,
    money_trail,
    pledges,
    pool_refunds,
    transparency,
)
from app.services.funding.payments import get_provider
from app.services.issues import places
from app.services.issues.money import CITY_CURRENCY
from app.services.kernel.parsing import parse_amount
from app.services.kernel.text import as_sentence
from app.services.rounds import ballots as round_ballots
from app.services.rounds import lifecycle as round_lifecycle
from app.services.rounds import turnout
from app.shapes import to_geometry
from app.transparency.flow_chart import flow_chart
from app.unit_of_work import unit_of_work
from budgets.money import format_money, major_units
from geo.geojson import geometry_of

STAFF = ("official", "admin")


def area_map(area: Area) -> maps.RenderedMap:
    """The neighbourhood outlined on a map framed to it."""
    city = maps.build_map(bounds=maps.city_bounds([area]))
    folium.GeoJson(
        geometry_of(to_geometry(area.geom)),
        name=area.name,
        style_function=lambda _f: {"color": "#17407a", "weight": 3, "fillOpacity": 0.08},
    ).add_to(city)
    return maps.render(city)


@bp.get("/groups")
def index() -> str:
    rows = groups.list_groups(db.session)
    holdings = ledger.pool_holdings(db.session, [row.pool_id for row in rows])
    mine = groups.groups_of_member(db.session, current_user.id) if current_user.is_authenticated else set()
    return render_template("groups/list.html", rows=rows, holdings=holdings, mine=mine)


@bp.route("/groups/new", methods=["GET", "POST"])
@roles_required(*STAFF)
def new() -> tuple[str, int] | BaseResponse:
    form = GroupForm()
    form.area_id.choices = [(0, "Choose a neighbourhood…")] + [
        (a.id, a.name) for a in places.areas(db.session)
    ]
    status = 422 if form.is_submitted() else 200
    if form.validate_on_submit():
        with unit_of_work(form, field_names={"max_pledge_cents": "max_pledge"}) as work:
            group = groups.create_group(
                db.session,
                current_resident(),
                form.area_id.data or 0,
                form.name.data,
                max_pledge_cents=parse_amount(form.max_pledge.data, "max_pledge", label="Largest pledge"),
            )
        if work.error is not None:
            status = work.error.status
        else:
            flash(f"Group {group.name} created with an open pool.", "success")
            return redirect(url_for("groups.detail", group_id=group.id))
    return render_template("groups/new.html", form=form, city_currency=CITY_CURRENCY), status


def _group_page(group_id: int, pledge_form: PledgeForm | None = None, status: int = 200) -> tuple[str, int]:
    row = groups.get_group_row(db.session, group_id)
    group = db.session.get(Group, group_id)
    assert group is not None
    pool = pledges.get_pool(db.session, row.pool_id)
    member = None
    my_pledges: list[Pledge] = []
    my_refunds: list[pool_refunds.RefundPart] = []
    runs = False
    voting_rounds: list[str] = []  # where this member's saved ballot stops counting if they leave
    sole_admin = False  # leaving would leave its other members without an admin
    if current_user.is_authenticated:
        member = groups.membership(db.session, current_user.id, group_id)
        sole_admin = groups.is_sole_admin(db.session, current_user.id, group_id)
        voting_rounds = round_ballots.voting_with_ballot(db.session, current_user.id, group_id)
        my_pledges = pledges.my_pledges(db.session, current_user.id, pool.id)
        my_refunds = pool_refunds.refunds_to(db.session, current_user.id, pool.id)
        runs = groups.runs_group(db.session, current_resident(), group_id)
    provider = get_provider(current_app.config["PAYMENT_PROVIDER"])
    group_rounds = round_lifecycle.list_rounds(db.session, group_id)
    city = current_user.is_authenticated and current_user.is_staff
    return (
        render_template(
            "groups/detail.html",
            admins=group_admins.group_admins(db.session, group_id) if city else None,
            appoint_form=AppointAdminForm() if city else None,
            row=row,
            pool=pool,
            figures=ledger.pool_balance(db.session, pool.id),
            member=member,
            runs=runs,
            my_pledges=my_pledges,
            my_refunds=my_refunds,
            action=ActionForm(),
            pledge_form=pledge_form or PledgeForm(),
            instructions=provider.instructions(pool.currency, 0),
            treasurers=groups.treasurers(db.session, group_id),
            other_treasurers=groups.treasurers(
                db.session, group_id, besides=current_user.id if current_user.is_authenticated else None
            ),
            # Who confirms this resident's pledge when not simply the treasurer: the words of its mail.
            pledge_confirmer=groups.pledge_confirmer(db.session, group_id, current_user.id)
            if member is not None
            else None,
            group_rounds=group_rounds,
            voting_rounds=voting_rounds,
            sole_admin=sole_admin,
            leave_money_words=_money_after_leaving(pool.id) if member is not None else "",
            round_turnouts={r.id: turnout.turnout_of(db.session, r) for r in group_rounds[:5]},
            map=area_map(group.area),
        ),
        status,
    )


@bp.get("/groups/<int:group_id>")
def detail(group_id: int) -> tuple[str, int]:
    return _group_page(group_id)


@bp.post("/groups/<int:group_id>/join")
@login_required
def join(group_id: int) -> BaseResponse:
    if not ActionForm().validate_on_submit():
        abort(400)
    name = groups.get_group_row(db.session, group_id).name
    if groups.join(db.session, current_resident(), group_id):
        flash(f"Welcome to {name}! You can now pledge to its pool.", "success")
    db.session.commit()
    return redirect(url_for("groups.detail", group_id=group_id))


@bp.post("/groups/<int:group_id>/leave")
@login_required
def leave(group_id: int) -> BaseResponse:
    if not ActionForm().validate_on_submit():
        abort(400)
    if groups.leave(db.session, current_resident(), group_id):
        pool_id = groups.get_group_row(db.session, group_id).pool_id
        flash(f"You left the group. {_money_after_leaving(pool_id)}", "success")
    db.session.commit()
    return redirect(url_for("groups.detail", group_id=group_id))


@bp.post("/groups/<int:group_id>/pledge")
@login_required
@limit("RATE_LIMIT_PLEDGE", per_user=True, refusals_count=False)
def pledge(group_id: int) -> tuple[str, int] | BaseResponse:
    row = groups.get_group_row(db.session, group_id)
    form = PledgeForm()
    if not form.validate_on_submit():
        return _group_page(group_id, form, 422)
    provider = get_provider(current_app.config["PAYMENT_PROVIDER"])
    with unit_of_work(form, field_names={"amount_cents": "amount"}) as work:
        # Past the pool's largest pledge in the pool's words, however many digits (found from outside:
        # 20 nines were "at most 999,999,999.99", no currency, under a hint saying EUR 500.00).
        pool = pledges.get_pool(db.session, row.pool_id)
        cents = parse_amount(form.amount.data, max_cents=pool.max_pledge_cents, currency=pool.currency)
        outcome = pledges.pledge(
            db.session,
            current_resident(),
            row.pool_id,
            cents,
            form.idempotency_key.data,
            provider,
            show_name=bool(form.show_name.data),
        )
    if work.error is not None:
        return _group_page(group_id, form, work.error.status)
    found = outcome.pledge
    pool = pledges.get_pool(db.session, row.pool_id)
    amount = format_money(found.amount_cents, pool.currency)
    who = groups.pledge_confirmer(db.session, group_id, current_user.id)
    if found.status == "confirmed":
        flash(f"Thank you! Your pledge of {amount} is confirmed.", "success")
    elif who is not None:
        # A treasurer is not told to hand the money to the treasurer (found from outside): another admin
        # or an official confirms their own pledge, as the form above it says; nor is a member when no
        # treasurer can act.
        where = f" Where to pay: {as_sentence(pool.payment_details)}" if pool.payment_details else ""
        flash(
            f"Thank you! Your pledge of {amount} is waiting: {who} confirms it when its money is in the "
            f"pool.{where} With a transfer, quote “pledge {found.id}”.",
            "success",
        )
    else:
        where = f" Where to pay: {as_sentence(pool.payment_details)}" if pool.payment_details else ""
        flash(
            f"Thank you! Your pledge of {amount} is waiting for the treasurer. "
            f"{provider.instructions(pool.currency, found.amount_cents)}{where} "
            f"With a transfer, quote “pledge {found.id}”: the treasurer's list names it so.",
            "success",
        )
    return redirect(url_for("groups.detail", group_id=group_id))


@bp.get("/pools/<int:pool_id>")
def pool(pool_id: int) -> str:
    found = pledges.get_pool(db.session, pool_id)
    row = groups.get_group_row(db.session, found.group_id)
    figures = ledger.pool_balance(db.session, pool_id)
    rows = transparency.statement(db.session, pool_id, found.currency)
    chart = stacked_bar_chart(
        title=f"Money in and out of the pool of {row.name}",
        desc=(
            "Totals in the pool's currency: pledges, the city's match and what fixes did not cost in; "
            "allocations and refunds out."
        ),
        labels=[
            "Pledges confirmed",
            "City match",
            "Returned by fixes",
            "Allocated to problems",
            "Refunded",
            "Held now",
        ],
        values=[
            major_units(c)
            for c in (
                figures.confirmed_cents,
                figures.matched_cents,
                figures.returned_cents,
                figures.allocated_cents,
                figures.refunded_cents,
                figures.balance_cents,
            )
        ],
        unit="",
        value_text=money_text(found.currency),
        x_label=found.currency,
        colour="#17407a",
        empty_message="No money has moved yet.",
    )
    provider = get_provider(current_app.config["PAYMENT_PROVIDER"])
    # What happens to unspent money is the round using the pool's to say, else the latest round's.
    rounds = round_lifecycle.list_rounds(db.session, found.group_id)
    holder = round_lifecycle.pool_holder(db.session, pool_id)
    problems = money_trail.funded_problems(db.session, pool_id)
    flow = money_flow.pool_flow(db.session, pool_id, problems)
    return render_template(
        "groups/pool.html",
        flow=flow,
        flow_chart=flow_chart(flow, f"the pool of {row.name}", found.currency, of_pool=True),
        problems=problems,
        pool=found,
        row=row,
        figures=figures,
        rows=rows,
        chart=chart,
        matches=matching.matches(db.session, pool_id),
        treasurers=groups.treasurers(db.session, found.group_id),
        instructions=provider.instructions(found.currency, 0),
        latest_round=holder or (rounds[0] if rounds else None),
        tip=ledger_chain.tip(db.session),
    )


@bp.get("/pools/<int:pool_id>/ledger.csv")
def pool_csv(pool_id: int) -> Response:
    found = pledges.get_pool(db.session, pool_id)
    rows = transparency.statement(db.session, pool_id, found.currency)
    hashes = ledger_chain.pool_hashes(db.session, pool_id)
    return Response(
        transparency.statement_csv(rows, found.currency, hashes),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="pool-{pool_id}-ledger.csv"'},
    )


@bp.get("/pools/<int:pool_id>/ledger-lines.csv")
def pool_lines_csv(pool_id: int) -> Response:
    """One row per ledger line: the pool's postings and the payouts and returns of what it funded."""
    pledges.get_pool(db.session, pool_id)
    lines = money_trail.streamed_pool_lines(db.session, pool_id)  # keyset pages while the body goes out
    return streamed_csv(money_trail.lines_csv(lines), f"pool-{pool_id}-ledger-lines.csv")


@bp.post("/pledges/<int:pledge_id>/confirm")
@login_required
def confirm(pledge_id: int) -> BaseResponse:
    return _settle_pledge(pledge_id, pledges.confirm, "confirmed.")


@bp.post("/pledges/<int:pledge_id>/decline")
@login_required
def decline(pledge_id: int) -> BaseResponse:
    return _settle_pledge(pledge_id, pledges.decline, "declined: it was never in the pool.")


def _settle_pledge(
    pledge_id: int, settle: Callable[[DbSession, User, int], Pledge], done: str
) -> BaseResponse:
    """The treasurer page's buttons: confirm or decline a pledge, then back to the page, saying so.

    One's own pledge, one its pledger withdrew since the page was read, and one settled the other way
    meanwhile (another treasurer, another tab) are refused with a flash on the page, which lists it no
    longer; other refusals keep their error pages."""
    if not ActionForm().validate_on_submit():
        abort(400)
    on_page = (pledges.OwnPledge, pledges.PledgeWithdrawn, pledges.PledgeSettled)
    with unit_of_work(reraise=lambda error: not isinstance(error, on_page)) as work:
        found = settle(db.session, current_resident(), pledge_id)
    if work.error is not None:
        refused = db.get_or_404(Pledge, pledge_id)
        return redirect(url_for("groups.treasurer", pool_id=refused.pool_id))
    amount = format_money(found.amount_cents, pledges.get_pool(db.session, found.pool_id).currency)
    flash(f"Pledge {found.id} of {amount} {done}", "success")
    return redirect(url_for("groups.treasurer", pool_id=found.pool_id))


def _money_after_leaving(pool_id: int) -> str:
    """What becomes of a leaving resident's pledges (found from outside: "stays in its pool", of pending)."""
    waiting = pledges.waiting_cents(db.session, current_user.id, pool_id)
    if not waiting:
        return "Money you pledged stays in its pool."
    amount = format_money(waiting, pledges.get_pool(db.session, pool_id).currency)
    return (
        f"Confirmed pledges stay in its pool; the {amount} still waiting for the treasurer is confirmed "
        "or declined as before, or you withdraw it on the group's page."
    )
