"""The city-wide transparency page and its ledger CSV (one row per ledger line)."""

from __future__ import annotations

from flask import Response, render_template

from app.export_responses import streamed_csv
from app.extensions import db
from app.services.funding import money_flow, money_trail
from app.services.issues.money import CITY_CURRENCY
from app.transparency import bp
from app.transparency.flow_chart import flow_chart


@bp.get("/transparency")
def city() -> str:
    flow = money_flow.city_flow(db.session)
    return render_template(
        "transparency/city.html",
        flow=flow,
        chart=flow_chart(flow, "the city", CITY_CURRENCY),
        problems=money_trail.funded_problems(db.session),
        currency=CITY_CURRENCY,
        postings=money_trail.posting_count(db.session),
        other_currencies=money_flow.other_currency_pools(db.session),
    )


@bp.get("/transparency/ledger.csv")
def city_csv() -> Response:
    lines = money_trail.streamed_city_lines(db.session)  # read in keyset pages while the body goes out
    return streamed_csv(money_trail.lines_csv(lines), "commonfix-ledger-lines.csv")
