"""Participatory-budgeting rounds: lists, the round page, ballots, tally progress, results, `tally-round`."""

from flask import Blueprint

# cli_group=None: the blueprint's command is `flask --app wsgi tally-round ID`, not `flask rounds ...`.
bp = Blueprint("rounds", __name__, cli_group=None)

from app.rounds import (  # noqa: E402,F401
    ballot_view,
    certification_views,
    cli,
    eligibility_views,
    paper_views,
    routes,
)
