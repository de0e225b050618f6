"""A pool's statement CSV shows residents' and officials' text as text, never as a spreadsheet formula."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from app.services.funding.transparency import StatementRow, statement_csv


def _row(posting_id: int, description: str, who: str) -> StatementRow:
    when = datetime(2026, 1, 2, 3, 4, 5)
    return StatementRow(posting_id, when, "allocation", description, who, 7, 0, 100, -100)


def test_formula_starts_in_party_and_description_are_quoted_and_empty_party_stays_empty() -> None:
    rows = [
        _row(1, "Allocated (round 1)", '=HYPERLINK("http://evil.example","x")'),
        _row(2, "Allocated (round 1)", "\t=1+1"),
        _row(3, "Allocated (round 1)", "\r@SUM(A1)"),
        _row(4, "=cmd|' /C calc'!A0", "the city"),
        _row(5, "transfer", ""),
    ]
    table = list(csv.DictReader(io.StringIO("".join(statement_csv(rows, "EUR")))))
    assert [r["party"] for r in table] == [
        '\'=HYPERLINK("http://evil.example","x")',
        "'\t=1+1",
        "'\r@SUM(A1)",
        "the city",
        "",
    ]
    assert table[3]["description"] == "'=cmd|' /C calc'!A0"
    assert table[0]["description"] == "Allocated (round 1)"
