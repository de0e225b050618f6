"""API shapes of the city's matching periods and each problem's quadratic match (integer cents)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from app.api.models.common import URI, RequestBody, ResponseBody, absent

SentenceKind = Literal["none", "one", "matched", "covered", "capped", "shared", "empty"]


class PeriodTerms(RequestBody):
    """A new period; amounts are whole cents. Without `area_id` it is city-wide; without `opens_at` it
    opens now."""

    name: str = Field(max_length=120, examples=["Spring 2027"])
    area_id: int | None = absent("the area it matches; absent or null: city-wide")
    opens_at: datetime | None = absent("UTC; absent: now")
    closes_at: datetime = Field(description="UTC, the campaign deadline of the problems backed in it")
    fund_cents: int = Field(ge=0, examples=[1_000_000])
    problem_cap_cents: int = Field(ge=1, examples=[50_000])
    backer_cap_cents: int = Field(ge=1, examples=[5_000])


class PeriodChange(RequestBody):
    """Any of the terms; fund, caps, opening and area only before the period opens (409 after)."""

    name: str | None = absent(max_length=120)
    area_id: int | None = absent()
    opens_at: datetime | None = absent()
    closes_at: datetime | None = absent()
    fund_cents: int | None = absent(ge=0)
    problem_cap_cents: int | None = absent(ge=1)
    backer_cap_cents: int | None = absent(ge=1)


class CloseConfirmation(RequestBody):
    confirm: Literal[True] = Field(description="must be true: closing posts the match and cannot be undone")


class PeriodArea(ResponseBody):
    id: int
    name: str


class MatchSentence(ResponseBody):
    """The problem's match in one sentence, with the figures it speaks of."""

    text: str = Field(
        examples=["37 neighbours backed this; the city adds EUR 212.40 because many people gave a little."]
    )
    kind: SentenceKind
    period_id: int | None
    closed: bool
    backers: int = Field(ge=0)
    counted: int = Field(ge=0, description="backers whose contribution counts for the match")
    backed_cents: int = Field(ge=0)
    match_cents: int = Field(ge=0, description="what the city adds (now, or as posted at close)")
    ideal_cents: int = Field(ge=0, description="the textbook match before the caps and the fund")
    returned: bool = Field(
        description="the campaign ended unfunded, so the match posted at close went back to the city"
    )


class ProblemMatch(ResponseBody):
    issue_id: int
    title: str
    url: str = URI
    backers: int = Field(ge=0)
    counted: int = Field(ge=0)
    backed_cents: int = Field(ge=0)
    match_cents: int = Field(ge=0)
    ideal_cents: int = Field(ge=0)
    capped: bool
    sentence: str


class MatchingPeriod(ResponseBody):
    id: int
    name: str
    area: PeriodArea | None = Field(description="null: city-wide")
    opens_at: datetime
    closes_at: datetime
    closed_at: datetime | None
    open: bool = Field(description="opened and not closed")
    currency: str = Field(examples=["EUR"])
    fund_cents: int
    problem_cap_cents: int
    backer_cap_cents: int
    url: str = URI


class MatchingPeriodDetail(MatchingPeriod):
    matched_cents: int = Field(ge=0, description="the match of all problems now, or as posted at close")
    fund_short: bool = Field(
        description="the capped ideal matches add up to more than the fund: it is shared"
    )
    problems: list[ProblemMatch]


class MatchingPeriodList(ResponseBody):
    periods: list[MatchingPeriod]


class Closing(ResponseBody):
    period: MatchingPeriodDetail
    postings: int = Field(ge=0, description="qf_match ledger postings made (problems with a match)")
