"""Inline SVG charts drawn on the server (no JavaScript, no CDN): columns over time and bars by label.

Pure functions of plain values. Every text is escaped here, so the returned Markup is safe to embed.
The SVG scales with its container through its viewBox; sizes below are viewBox units, chosen so the
labels stay readable from a 390 px phone to a laptop.
"""

from __future__ import annotations

import itertools
import math
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from budgets.money import format_money

FONT = 13
SMALL = 11
_ids = itertools.count(1)


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]
    colour: str  # a CSS colour, chosen for contrast on white (WCAG AA for the text beside it)


def nice_step(maximum: float, ticks: int = 4) -> float:
    """A round tick step (1, 2, 2.5 or 5 times a power of ten) giving about `ticks` ticks up to `maximum`."""
    if maximum <= 0:
        return 1.0
    raw = maximum / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if factor * power >= raw:
            return float(factor * power)
    return float(10 * power)  # pragma: no cover - the loop always returns


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def money_text(currency: str) -> Callable[[float], str]:
    """How a money chart prints an amount in major units (budgets.money.major_units): as the pages
    beside it print money, "EUR 565.65" (not "565.6 EUR"); the chart's unit is then left empty."""

    def text(value: float) -> str:
        return format_money(round(value * 100), currency)

    return text


# A stacked chart's label line: 44 characters of FONT fit its 324 units with room for wide letters.
LABEL_CHARS = 44


def label_lines(label: str, width: int = LABEL_CHARS, most: int = 2) -> list[str]:
    """A label in at most `most` lines of at most `width` characters, broken between words and as
    even as they can be (not a lone last word); what does not fit ends the last line with an
    ellipsis (the bar's tooltip keeps the whole label)."""
    lines = textwrap.wrap(label, width)
    if not lines:
        return [""]
    if len(lines) <= most:
        # The narrowest width that keeps as many lines makes them even.
        for narrower in range(-(-len(label) // len(lines)), width):
            if len(even := textwrap.wrap(label, narrower)) == len(lines):
                return even
        return lines
    rest = " ".join(lines[most - 1 :])
    return [*lines[: most - 1], textwrap.shorten(rest, width, placeholder=" …")]


def _value_label(value_text: Callable[[float], str], value: float, unit: str) -> str:
    """The text at a bar's end: the value, then its unit when the chart has one ("26.5 days")."""
    return f"{value_text(value)} {unit}" if unit else value_text(value)


def _open(width: int, height: int, title: str, desc: str, css_class: str) -> tuple[str, list[str]]:
    ident = f"cf-chart-{next(_ids)}"
    parts = [
        f'<svg class="chart {escape(css_class)}" viewBox="0 0 {width} {height}" width="100%" '
        f'preserveAspectRatio="xMidYMid meet" role="img" aria-labelledby="{ident}-t {ident}-d" '
        f'xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif" font-size="{FONT}">',
        f'<title id="{ident}-t">{escape(title)}</title>',
        f'<desc id="{ident}-d">{escape(desc)}</desc>',
    ]
    return ident, parts


def _legend(series: Sequence[Series], x: float, y: float) -> list[str]:
    parts = ['<g class="chart__legend">']
    for s in series:
        parts.append(f'<rect x="{x:.1f}" y="{y - 10:.1f}" width="12" height="12" fill="{escape(s.colour)}"/>')
        parts.append(f'<text x="{x + 17:.1f}" y="{y:.1f}">{escape(s.name)}</text>')
        x += 24 + 7.5 * len(s.name)
    parts.append("</g>")
    return parts


def _empty(parts: list[str], width: int, height: int, message: str) -> Markup:
    parts.append(
        f'<text x="{width / 2:.0f}" y="{height / 2:.0f}" text-anchor="middle" fill="#555">'
        f"{escape(message)}</text>"
    )
    parts.append("</svg>")
    return Markup("".join(parts))  # every text above is escaped


def column_chart(
    *,
    title: str,
    desc: str,
    labels: Sequence[str],
    series: Sequence[Series],
    y_label: str,
    x_label: str,
    label_every: int = 1,
    width: int = 520,
    height: int = 300,
    empty_message: str = "No data for these filters yet.",
) -> Markup:
    """Grouped columns, one group per label (e.g. weeks), one column per series, with a legend."""
    _ident, parts = _open(width, height, title, desc, "chart--columns")
    left, right, top, bottom = 52, 10, 34, 58
    plot_w, plot_h = width - left - right, height - top - bottom
    maximum = max((v for s in series for v in s.values), default=0)
    parts.extend(_legend(series, left, 16))
    if not labels or maximum <= 0:
        return _empty(parts, width, height, empty_message)
    step = nice_step(maximum)
    top_value = step * math.ceil(maximum / step)
    scale = plot_h / top_value
    base = top + plot_h
    parts.append('<g class="chart__grid" stroke="#d0d5dd" stroke-width="1">')
    ticks = round(top_value / step)
    for i in range(ticks + 1):
        value = i * step
        y = base - value * scale
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}"/>')
    parts.append("</g>")
    parts.append(f'<g class="chart__y-ticks" fill="#333" font-size="{SMALL}" text-anchor="end">')
    for i in range(ticks + 1):
        value = i * step
        parts.append(f'<text x="{left - 6}" y="{base - value * scale + 4:.1f}">{_number(value)}</text>')
    parts.append("</g>")
    group_w = plot_w / len(labels)
    bar_w = max(1.0, (group_w * 0.8) / max(1, len(series)))
    parts.append('<g class="chart__bars">')
    for i, label in enumerate(labels):
        x0 = left + i * group_w + group_w * 0.1
        for j, s in enumerate(series):
            value = s.values[i]
            h = value * scale
            x = x0 + j * bar_w
            parts.append(
                f'<rect class="chart__bar" data-series="{escape(s.name)}" data-label="{escape(label)}" '
                f'data-value="{_number(value)}" x="{x:.1f}" y="{base - h:.1f}" width="{bar_w:.1f}" '
                f'height="{h:.1f}" fill="{escape(s.colour)}"><title>{escape(label)}: '
                f"{_number(value)} {escape(s.name.lower())}</title></rect>"
            )
    parts.append("</g>")
    parts.append(f'<g class="chart__x-ticks" fill="#333" font-size="{SMALL}" text-anchor="middle">')
    for i, label in enumerate(labels):
        if i % label_every == 0:
            x = left + (i + 0.5) * group_w
            parts.append(f'<text x="{x:.1f}" y="{base + 16:.1f}">{escape(label)}</text>')
    parts.append("</g>")
    parts.append(f'<line x1="{left}" x2="{width - right}" y1="{base}" y2="{base}" stroke="#333"/>')
    parts.append(
        f'<text class="chart__axis-label" x="{left + plot_w / 2:.1f}" y="{height - 8}" '
        f'text-anchor="middle">{escape(x_label)}</text>'
    )
    parts.append(
        f'<text class="chart__axis-label" x="14" y="{top + plot_h / 2:.1f}" text-anchor="middle" '
        f'transform="rotate(-90 14 {top + plot_h / 2:.1f})">{escape(y_label)}</text>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))  # every text above is escaped


def _value_width(values: Sequence[float], unit: str, value_text: Callable[[float], str]) -> int:
    """Room for the longest value printed at the end of its bar (about 0.6 em a character)."""
    return round(0.6 * FONT * max(len(_value_label(value_text, v, unit)) for v in values))


def _value_axis(
    parts: list[str],
    maximum: float,
    left: float,
    plot_w: float,
    grid_top: float,
    base_y: float,
    tick_y: float,
) -> float:
    """Vertical grid lines from `grid_top` to `base_y` and their numbers at `tick_y`, for bars that start
    at `left` and span up to `plot_w`; returns the drawing's units per value."""
    step = nice_step(maximum)
    top_value = step * math.ceil(maximum / step)
    scale = plot_w / top_value
    xs = [left + i * step * scale for i in range(round(top_value / step) + 1)]
    parts.append('<g class="chart__grid" stroke="#d0d5dd" stroke-width="1">')
    parts.extend(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{grid_top}" y2="{base_y}"/>' for x in xs)
    parts.append("</g>")
    parts.append(f'<g class="chart__x-ticks" fill="#333" font-size="{SMALL}" text-anchor="middle">')
    parts.extend(f'<text x="{x:.1f}" y="{tick_y}">{_number(i * step)}</text>' for i, x in enumerate(xs))
    parts.append("</g>")
    return scale


def bar_chart(
    *,
    title: str,
    desc: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    unit: str,
    x_label: str,
    colour: str = "#1d4ed8",
    width: int = 520,
    label_width: int = 190,
    empty_message: str = "No data for these filters yet.",
    value_text: Callable[[float], str] = _number,
) -> Markup:
    """Horizontal bars, one per label (e.g. categories), the value printed at each bar's end
    (`value_text`: money_text(currency) for money, with no unit, so the chart reads as the figures
    beside it).

    A None value (no data for that label) draws no bar and prints "no data". A label longer than its
    column takes two lines (found from outside: "Snow or ice on the pavement" lost its first letter
    off the chart's left edge).
    """
    chars = int((label_width - 8) / (0.6 * FONT))  # about 0.6 em a character, as _value_width
    wrapped = [label_lines(label, chars) for label in labels]
    two_lines = any(len(lines) > 1 for lines in wrapped)
    row_h = 38 if two_lines else 26
    top, bottom = 10, 40
    height = top + bottom + row_h * max(1, len(labels))
    _ident, parts = _open(width, height, title, desc, "chart--bars")
    known = [v for v in values if v is not None]
    maximum = max(known, default=0)
    if not labels or maximum <= 0:
        return _empty(parts, width, height, empty_message)
    value_w = max(64, _value_width(known, unit, value_text))
    plot_w = width - label_width - value_w - 8
    base_y = top + row_h * len(labels)
    scale = _value_axis(parts, maximum, label_width, plot_w, top, base_y, base_y + 14)
    parts.append('<g class="chart__bars">')
    for i, (label, value, lines) in enumerate(zip(labels, values, wrapped, strict=True)):
        y = top + i * row_h
        first_y = y + row_h / 2 + 4 - (len(lines) - 1) * FONT / 2
        spans = "".join(
            f'<tspan x="{label_width - 8}" dy="{0 if j == 0 else FONT + 1}">{escape(line)}</tspan>'
            for j, line in enumerate(lines)
        )
        parts.append(
            f'<text class="chart__label" x="{label_width - 8}" y="{first_y:.1f}" text-anchor="end">'
            f"{spans}</text>"
        )
        if value is None:
            parts.append(
                f'<text x="{label_width + 4}" y="{y + row_h / 2 + 4:.1f}" fill="#555" '
                f'font-size="{SMALL}">no data</text>'
            )
            continue
        w = value * scale
        parts.append(
            f'<rect class="chart__bar" data-label="{escape(label)}" data-value="{_number(value)}" '
            f'x="{label_width}" y="{y + 4}" width="{w:.1f}" height="{row_h - 8}" fill="{escape(colour)}">'
            f"<title>{escape(label)}: {escape(_value_label(value_text, value, unit))}</title></rect>"
        )
        parts.append(
            f'<text class="chart__value" x="{label_width + w + 5:.1f}" y="{y + row_h / 2 + 4:.1f}">'
            f"{escape(_value_label(value_text, value, unit))}</text>"
        )
    parts.append("</g>")
    parts.append(
        f'<text class="chart__axis-label" x="{label_width + plot_w / 2:.1f}" y="{height - 6}" '
        f'text-anchor="middle">{escape(x_label)}</text>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))  # every text above is escaped


def stacked_bar_chart(
    *,
    title: str,
    desc: str,
    labels: Sequence[str],
    values: Sequence[float],
    unit: str,
    x_label: str,
    colour: str = "#1d4ed8",
    empty_message: str = "No data yet.",
    value_text: Callable[[float], str] = _number,
) -> Markup:
    """Horizontal bars with each label above its bar, in a narrow drawing (340 wide): on a phone it
    is shown at about its own size, so the labels stay as large as the page's small text, where
    bar_chart's side labels shrink to 8 px. A long label (a problem's title) takes two lines
    (`label_lines`). The money charts use it."""
    width, pad, label_h, bar_h, gap = 340, 8, 16, 16, 10
    top, bottom = 6, 36
    lines = [label_lines(label) for label in labels]
    rows_h = [label_h * len(found) + bar_h + gap for found in lines]
    height = top + bottom + (sum(rows_h) if labels else label_h + bar_h + gap)
    _ident, parts = _open(width, height, title, desc, "chart--bars chart--stacked")
    maximum = max(values, default=0)
    if not labels or maximum <= 0:
        return _empty(parts, width, height, empty_message)
    plot_w = width - 2 * pad - _value_width(values, unit, value_text)
    base_y = top + sum(rows_h)
    scale = _value_axis(parts, maximum, pad, plot_w, top + label_h, base_y, base_y + 12)
    # Texts carry a white halo, so the grid lines they cross do not run through the letters.
    halo = 'paint-order="stroke" stroke="#fff" stroke-width="4" stroke-linejoin="round"'
    parts.append('<g class="chart__bars">')
    y = top
    for label, found, row_h, value in zip(labels, lines, rows_h, values, strict=True):
        text = str(escape(found[0]))
        if len(found) > 1:
            text = "".join(
                f'<tspan x="{pad}" dy="{0 if j == 0 else label_h}">{escape(line)}</tspan>'
                for j, line in enumerate(found)
            )
        parts.append(f'<text class="chart__label" x="{pad}" y="{y + label_h - 4}" {halo}>{text}</text>')
        bar_y = y + label_h * len(found)
        w = value * scale
        parts.append(
            f'<rect class="chart__bar" data-label="{escape(label)}" data-value="{_number(value)}" '
            f'x="{pad}" y="{bar_y}" width="{w:.1f}" height="{bar_h}" fill="{escape(colour)}">'
            f"<title>{escape(label)}: {escape(_value_label(value_text, value, unit))}</title></rect>"
        )
        parts.append(
            f'<text class="chart__value" x="{pad + w + 5:.1f}" y="{bar_y + bar_h - 3}" {halo}>'
            f"{escape(_value_label(value_text, value, unit))}</text>"
        )
        y += row_h
    parts.append("</g>")
    parts.append(
        f'<text class="chart__axis-label" x="{pad + plot_w / 2:.1f}" y="{height - 6}" '
        f'text-anchor="middle">{escape(x_label)}</text>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))  # every text above is escaped
