"""API: the city's matching periods (officials create, change and close them) and a problem's match."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from flask import Response, current_app, jsonify

from app.api import bp
from app.api.auth import require_user
from app.api.contract import JSON, Reply, operation
from app.api.models import matching as shapes
from app.api.params import json_body
from app.extensions import db
from app.models import MatchingPeriod
from app.models.timestamps import rfc3339, utcnow
from app.ratelimits import limit
from app.services.funding import match_sentences, matching_periods, quadratic_match
from app.services.issues.public_titles import public_titles
from app.services.kernel.errors import ValidationError
from app.services.kernel.links import external_url
from app.services.kernel.roles import require_staff


def _time(value: datetime | None) -> str | None:
    return rfc3339(value) if value is not None else None


def period_json(period: MatchingPeriod, areas: dict[int, str]) -> dict[str, object]:
    now = utcnow()
    return {
        "id": period.id,
        "name": period.name,
        "area": None
        if period.area_id is None
        else {"id": period.area_id, "name": areas.get(period.area_id, "")},
        "opens_at": _time(period.opens_at),
        "closes_at": _time(period.closes_at),
        "closed_at": _time(period.closed_at),
        "open": period.closed_at is None and period.opens_at <= now,
        "currency": current_app.config["MATCH_CURRENCY"],
        "fund_cents": period.fund_cents,
        "problem_cap_cents": period.problem_cap_cents,
        "backer_cap_cents": period.backer_cap_cents,
        "url": external_url("matching.period", period_id=period.id),
    }


def detail_json(period: MatchingPeriod) -> dict[str, object]:
    found = quadratic_match.standing(db.session, period.id)
    titles = public_titles(db.session, [p.issue_id for p in found.problems])
    currency = current_app.config["MATCH_CURRENCY"]
    sentences = match_sentences.explain_period(db.session, found, currency)
    problems = [
        {
            "issue_id": p.issue_id,
            "title": titles.get(p.issue_id, ""),
            "url": external_url("issues.detail", issue_id=p.issue_id),
            "backers": p.backers,
            "counted": p.counted,
            "backed_cents": p.backed_cents,
            "match_cents": p.match_cents,
            "ideal_cents": round(p.ideal_cents),
            "capped": p.capped,
            "sentence": sentences[p.issue_id].text,
        }
        for p in found.problems
    ]
    return {
        **period_json(period, matching_periods.area_names(db.session)),
        "matched_cents": found.matched_cents,
        "fund_short": found.fund_short,
        "problems": problems,
    }


@bp.get("/matching-periods")
@operation(
    operation_id="listMatchingPeriods",
    summary="The city's matching periods, latest opening first",
    replies={200: Reply("Every period", shapes.MatchingPeriodList)},
)
def list_matching_periods() -> Response:
    areas = matching_periods.area_names(db.session)
    return jsonify({"periods": [period_json(p, areas) for p in matching_periods.list_periods(db.session)]})


@bp.post("/matching-periods")
@operation(
    operation_id="createMatchingPeriod",
    summary="Create a matching period (city officials): fund and caps in cents, fixed once it opens",
    body={JSON: shapes.PeriodTerms},
    replies={201: Reply("The new period", shapes.MatchingPeriodDetail)},
    errors=(400, 401, 403, 409, 422, 429),
    secured=True,
)
@limit("RATE_LIMIT_UPDATE", per_user=True)
def create_matching_period() -> tuple[Response, int]:
    created = matching_periods.create_period(db.session, require_user(), json_body(), utcnow())
    db.session.commit()
    return jsonify(detail_json(created)), 201


@bp.get("/matching-periods/<int:period_id>")
@operation(
    operation_id="getMatchingPeriod",
    summary="A matching period with each backed problem's match (now, or as posted when it closed)",
    replies={200: Reply("The period", shapes.MatchingPeriodDetail)},
    errors=(404,),
)
def get_matching_period(period_id: int) -> Response:
    return jsonify(detail_json(_period(period_id)))


@bp.patch("/matching-periods/<int:period_id>")
@operation(
    operation_id="updateMatchingPeriod",
    summary="Change a period (city officials): fund, caps, opening and area only before it opens",
    body={JSON: shapes.PeriodChange},
    replies={200: Reply("The period", shapes.MatchingPeriodDetail)},
    errors=(400, 401, 403, 404, 409, 422, 429),
    secured=True,
)
@limit("RATE_LIMIT_UPDATE", per_user=True)
def update_matching_period(period_id: int) -> Response:
    user = require_user()  # a stranger gets 401 whatever the body
    data = json_body(known=shapes.PeriodChange.model_fields)
    changed = matching_periods.update_period(db.session, user, period_id, data, utcnow())
    db.session.commit()
    return jsonify(detail_json(changed))


@bp.post("/matching-periods/<int:period_id>/closing")
@operation(
    operation_id="closeMatchingPeriod",
    summary="Close the period now (city officials): posts each problem's match to the ledger, once",
    body={JSON: shapes.CloseConfirmation},
    replies={200: Reply("The closed period", shapes.Closing)},
    errors=(400, 401, 403, 404, 409, 422, 429),
    secured=True,
)
@limit("RATE_LIMIT_UPDATE", per_user=True)
def close_matching_period(period_id: int) -> Response:
    user = require_user()
    require_staff(user)  # who may, and which period, come before what was sent
    _period(period_id)
    if json_body().get("confirm") is not True:
        raise ValidationError(
            'Send {"confirm": true}: closing posts the match and cannot be undone.', "confirm"
        )
    closing = quadratic_match.close_by_hand(db.session, user, period_id, utcnow())
    db.session.commit()
    return jsonify({"period": detail_json(_period(period_id)), "postings": closing.postings})


@bp.get("/issues/<int:issue_id>/match")
@operation(
    operation_id="getIssueMatch",
    summary="The city's quadratic match of a problem in one sentence (its latest matching period)",
    replies={200: Reply("The sentence and its figures", shapes.MatchSentence)},
    errors=(404,),
)
def get_issue_match(issue_id: int) -> Response:
    found = match_sentences.sentence_of_issue(db.session, issue_id, current_app.config["MATCH_CURRENCY"])
    return jsonify(asdict(found))


def _period(period_id: int) -> MatchingPeriod:
    return matching_periods.get_period(db.session, period_id)
