"""The city's whole ledger, public: its hash chain's length and latest hash, and the chain as CSV."""

from __future__ import annotations

from flask import Response, render_template

from app.export_responses import streamed_csv
from app.extensions import db
from app.groups import bp
from app.services.funding import ledger_chain


@bp.get("/ledger")
def city_ledger() -> str:
    """The whole ledger's hash chain: its length, latest hash, the CSV and how to recompute it."""
    return render_template("groups/ledger.html", tip=ledger_chain.tip(db.session))


@bp.get("/ledger.csv")
def city_ledger_csv() -> Response:
    links = ledger_chain.streamed_chain(db.session)  # keyset pages while the body goes out
    return streamed_csv(ledger_chain.chain_csv(links), "commonfix-ledger.csv")
