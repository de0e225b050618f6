"""API shapes of voting codes (batches, claims) and paper ballots (entries, the double-entry queue)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from app.api.models.common import RequestBody, ResponseBody, absent

PaperState = Literal["awaiting", "agreed", "disputed", "void"]


class NewCodeBatch(RequestBody):
    count: int = Field(ge=1, le=5000, description="how many one-time codes to generate")
    label: str = absent("where or when they are handed out, e.g. 'Library, Saturday'", max_length=120)


class CodeBatch(ResponseBody):
    id: int
    round_id: int
    label: str
    count: int
    used_online: int
    used_paper: int
    created_at: datetime
    created_by: str | None


class CreatedCodeBatch(CodeBatch):
    codes: list[str] = Field(
        description="the codes in clear: shown only in this reply, the server keeps only their hashes"
    )


class CodeBatchList(ResponseBody):
    batches: list[CodeBatch]


class CodeClaim(RequestBody):
    code: str = Field(max_length=40, description="the code printed on the voter's slip")


class ClaimedCode(ResponseBody):
    round_id: int
    used_at: datetime
    used_via: Literal["online"]


class PaperBallotBody(RequestBody):
    code: str = absent("codes rounds: the voting code written on the paper ballot", max_length=40)
    identifier: str = absent("census rounds: the voter's identifier (checked, never stored)", max_length=100)
    issue_ids: list[int] = absent("approval-style ballots: the issues approved on the paper")
    points: dict[str, int] = absent("cumulative ballots: points per issue id")


class PaperEntry(ResponseBody):
    paper_ballot_id: int
    entry: int = Field(ge=1, le=3, description="1: first entry; 2: the check; 3: a third look that decides")
    status: PaperState
    message: str


class PaperEntryRow(ResponseBody):
    official: str
    entered_at: datetime
    choices: dict[str, int] = Field(description="issue id -> points (1 per approval)")


class OpenPaperBallot(ResponseBody):
    id: int
    voter: Literal["code", "census"]
    status: PaperState
    entries: list[PaperEntryRow]
    entered_by_you: bool


class PaperQueue(ResponseBody):
    round_id: int
    counts: dict[str, int] = Field(description="paper ballots per status")
    open: list[OpenPaperBallot] = Field(
        description="waiting for a second official (awaiting) or for a third look (disputed)"
    )


class VoidBody(RequestBody):
    reason: str = Field(max_length=500)


class VoidedPaperBallot(ResponseBody):
    id: int
    round_id: int
    status: Literal["void"]
    void_reason: str
