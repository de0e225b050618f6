"""A stacked chart's long labels take two lines instead of being cut (found from outside: the
matching period's chart showed "Broken swing in the playground near Tan…")."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from app.charts import LABEL_CHARS, bar_chart, label_lines, stacked_bar_chart

NS = {"s": "http://www.w3.org/2000/svg"}
SWING = "Broken swing in the playground near Tanners Row"


def test_a_label_breaks_between_words_and_only_a_third_line_is_cut() -> None:
    assert label_lines("City match") == ["City match"]
    two = label_lines(SWING)
    assert len(two) == 2
    assert " ".join(two) == SWING
    long = label_lines("Potholes " * 20)
    assert len(long) == 2
    assert long[1].endswith("…")
    assert all(len(line) <= LABEL_CHARS for line in two + long)


def test_a_long_label_sits_on_two_lines_above_its_bar() -> None:
    svg = ET.fromstring(
        str(
            stacked_bar_chart(
                title="The city's match",
                desc="The match of each problem.",
                labels=[SWING, "Drain cover"],
                values=[487.28, 147.05],
                unit="",
                x_label="City match (EUR)",
            )
        )
    )
    texts = svg.findall(".//s:text[@class='chart__label']", NS)
    bars = svg.findall(".//s:rect[@class='chart__bar']", NS)
    lines = [span.text for span in texts[0].findall("s:tspan", NS)]
    assert " ".join(lines) == SWING
    assert texts[1].text == "Drain cover"
    assert bars[0].findtext("s:title", namespaces=NS, default="").startswith(SWING + ":")
    first_top, first_bar = float(texts[0].get("y", "0")), float(bars[0].get("y", "0"))
    assert first_bar - first_top > 16  # both lines come before the bar
    assert float(texts[1].get("y", "0")) > first_bar  # the next label comes after it


def test_a_side_label_longer_than_its_column_takes_two_lines() -> None:
    """Found from outside: the dashboard's "Median time to fix" showed "now or ice on the pavement"."""
    snow = "Snow or ice on the pavement"
    svg = ET.fromstring(
        str(
            bar_chart(
                title="Median time to fix, by category",
                desc="Days from report to fixed.",
                labels=[snow, "Roads"],
                values=[19.9, 3.0],
                unit="days",
                x_label="Days",
            )
        )
    )
    texts = svg.findall(".//s:text[@class='chart__label']", NS)
    lines = [[span.text for span in text.findall("s:tspan", NS)] for text in texts]
    assert " ".join(lines[0]) == snow
    assert len(lines[0]) == 2
    assert lines[1] == ["Roads"]
    widest = max(len(line or "") for line in lines[0])
    assert 0.6 * 13 * widest <= 190 - 8  # each line fits the label column
