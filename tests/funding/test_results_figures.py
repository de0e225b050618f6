"""The results page's figures read as the amounts beside them: the equal share is said to be raised
only when the shown amounts differ, and money charts print cents (found from outside: "EUR 20.03
each ... raised to EUR 20.04" with no raise, and "565.6 EUR" beside EUR 565.65)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from app.rounds.results_view import first_share, leftover_label, money_chart, voter_share
from app.services.rounds.results import CandidateResult, RoundResults


def results(
    budget_cents: int,
    ballots: int,
    share: str | None,
    status: str = "certified",
    leftover: str = "rollover",
    **money: int,
) -> RoundResults:
    details = {} if share is None else {"share": share}
    funded = [CandidateResult(1, "Bench", 1, 1000, 3, True, 1000, None, "", 51.05, 3.72, details)]
    figures = {"pool_cents": budget_cents, "match_cents": 0, "spent_cents": 1000, "leftover_cents": 0}
    return RoundResults(
        round_id=1,
        name="Spring",
        rule="exactequalshares/addopt",
        currency="EUR",
        funded=funded,
        unfunded=[],
        budget_cents=budget_cents,
        leftover=leftover,
        ballots=ballots,
        status=status,
        members=ballots,
        notes=[],
        **{**figures, **money},
    )


def test_the_share_is_raised_only_when_the_shown_amounts_differ() -> None:
    # 4,007 cents over 2 voters is 2,003.5 each: shown as EUR 20.04 both as the start and as the share.
    unraised = results(4007, 2, "4007/2")
    assert (first_share(unraised), voter_share(unraised)) == (2004, 2004)
    raised = results(4007, 2, "2100")
    assert (first_share(raised), voter_share(raised)) == (2004, 2100)
    assert first_share(results(4007, 0, None)) is None
    assert voter_share(results(4007, 2, None)) is None


def test_money_charts_print_every_amount_to_the_cent() -> None:
    svg = str(money_chart(results(56565, 3, None, match_cents=8015, spent_cents=170670)))
    for amount in ("EUR 565.65", "EUR 80.15", "EUR 1,706.70"):
        assert f">{amount}</text>" in svg  # as the figures beside the chart write money
    assert " EUR<" not in svg


def test_money_charts_put_each_label_on_its_own_line_above_its_bar() -> None:
    # Side labels shrank to about 8 px on a 390 px phone; a stacked chart is drawn 340 wide.
    svg = ET.fromstring(str(money_chart(results(56565, 3, None, match_cents=8015, spent_cents=170670))))
    ns = {"s": "http://www.w3.org/2000/svg"}
    assert svg.get("viewBox", "").split()[2] == "340"
    assert "chart--stacked" in svg.get("class", "")
    labels = svg.findall(".//s:text[@class='chart__label']", ns)
    bars = svg.findall(".//s:rect[@class='chart__bar']", ns)
    expected = ["In the pool", "City match at tally", "Spent on problems", "Rolled over"]
    assert [t.text for t in labels] == expected
    for label, bar in zip(labels, bars, strict=True):
        assert label.get("x") == bar.get("x")  # the label starts where its bar starts
        assert float(label.get("y", "0")) < float(bar.get("y", "0"))  # and sits above it


def test_what_is_left_over_is_said_as_done_only_once_the_city_certified() -> None:
    # Found from outside: a provisional result's tiles said "Refunded" while no money had moved.
    words = {
        (status, leftover): leftover_label(results(5000, 2, None, status=status, leftover=leftover))
        for status in ("provisional", "certified")
        for leftover in ("rollover", "refund")
    }
    assert words == {
        ("provisional", "rollover"): "To roll over",
        ("provisional", "refund"): "To refund",
        ("certified", "rollover"): "Rolled over",
        ("certified", "refund"): "Refunded",
    }
    chart = str(money_chart(results(5000, 2, None, status="provisional", leftover="refund")))
    assert ">To refund</text>" in chart
    assert "to refund EUR" in chart  # the chart's description, read by screen readers
