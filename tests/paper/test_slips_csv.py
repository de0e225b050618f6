"""The voting codes' CSV shows a round's name (a group admin's text) and a batch label as text, never as a
spreadsheet formula."""

from __future__ import annotations

import csv
import io

from app.models import Round, VotingCodeBatch
from app.services.rounds.voting_codes import NewBatch, slips_csv


def test_a_round_name_or_label_that_starts_a_formula_is_quoted() -> None:
    found = Round(name='=HYPERLINK("http://evil.example","Spring")')
    batch = VotingCodeBatch(id=7, label="@SUM(A1)")
    rows = list(csv.DictReader(io.StringIO(slips_csv(found, NewBatch(batch, ["ABCD-EFGH-JKLM"])))))
    assert rows == [
        {
            "code": "ABCD-EFGH-JKLM",
            "round": '\'=HYPERLINK("http://evil.example","Spring")',
            "batch": "7",
            "label": "'@SUM(A1)",
        }
    ]


def test_plain_names_and_an_empty_label_stay_as_they_are() -> None:
    rows = list(
        csv.DictReader(
            io.StringIO(slips_csv(Round(name="Spring round"), NewBatch(VotingCodeBatch(id=1), ["X"])))
        )
    )
    assert (rows[0]["round"], rows[0]["label"]) == ("Spring round", "")
