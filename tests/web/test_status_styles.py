"""Every status has its own look, held in step across the stylesheet, the symbols, the browser code and
the templates; a status an admin adds is drawn as its type."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask

from app.services.issues.places import DEFAULT_STATUSES
from app.status_styles import STYLED_CODES, TYPES, status_icon, style_key

STATIC = Path(__file__).resolve().parents[2] / "app" / "static"


def test_every_default_status_is_styled_in_css_svg_and_js() -> None:
    codes = {code for code, _, _ in DEFAULT_STATUSES}
    css = (STATIC / "css" / "statuses.css").read_text()
    svg = (STATIC / "img" / "statuses.svg").read_text()
    js = (STATIC / "js" / "commonfix.js").read_text()
    start = js.index("CF.STATUS_CODES = [")
    js_codes = set(re.findall(r'"([a-z-]+)"', js[start : js.index("];", start)]))

    assert codes == STYLED_CODES == js_codes
    colours = dict(re.findall(r"--status-([a-z-]+): (#[0-9a-f]{6});", css))
    assert set(colours) == codes
    assert len(set(colours.values())) == len(colours)  # each its own colour
    for code in codes:
        assert f".status--{code} {{ --status: var(--status-{code}); }}" in css
    symbols = set(re.findall(r'<symbol id="([a-z-]+)"', svg))
    assert symbols == {f"status-{code}" for code in codes} | {f"type-{t}" for t in TYPES}


def test_white_text_on_every_status_colour_passes_wcag_aa() -> None:
    css = (STATIC / "css" / "statuses.css").read_text()

    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    for code, colour in re.findall(r"--status-([a-z-]+): (#[0-9a-f]{6});", css):
        assert 1.05 / (luminance(colour) + 0.05) >= 4.5, code


def test_an_added_status_takes_its_types_look(app: Flask) -> None:
    assert style_key("planned", "open") == "planned"
    assert style_key("waiting-for-contractor", "open") == "type-open"
    assert style_key("resolved-elsewhere", "fixed") == "type-fixed"
    assert style_key("odd", "unknown") == "type-open"
    with app.test_request_context():
        icon = str(status_icon("waiting-for-contractor", "closed"))
    assert 'class="status-icon status--type-closed"' in icon
    assert re.search(r'href="/static/img/statuses\.svg(\?v=[0-9a-f]+)?#type-closed"', icon)
    assert 'aria-hidden="true"' in icon
