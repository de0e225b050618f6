"""How each status looks: the statuses with their own colour and symbol, and the fallback by type.

The colours live in static/css/statuses.css (`.status--<key>`), the shapes and glyphs in
static/img/statuses.svg (`#status-<code>`, `#type-<type>`), and commonfix.js names the same codes;
tests/web/test_status_styles.py holds the four in step. A status an admin adds takes its type's look.
"""

from __future__ import annotations

from flask import url_for
from markupsafe import Markup, escape

# The default statuses (services/issues/places.DEFAULT_STATUSES), each drawn its own way.
STYLED_CODES = frozenset(
    {
        "new",
        "acknowledged",
        "investigating",
        "in-progress",
        "planned",
        "fixed",
        "closed",
        "duplicate",
        "not-responsible",
        "no-further-action",
    }
)
TYPES = ("open", "fixed", "closed")


def style_key(code: str, status_type: str) -> str:
    """The key of a status's look: its code when it has its own, else `type-<type>`."""
    if code in STYLED_CODES:
        return code
    return f"type-{status_type if status_type in TYPES else 'open'}"


def symbol_href(code: str, status_type: str) -> str:
    """The URL of a status's symbol in the sprite."""
    key = style_key(code, status_type)
    symbol = key if key.startswith("type-") else f"status-{key}"
    return f"{url_for('static', filename='img/statuses.svg')}#{symbol}"


def status_icon(code: str, status_type: str) -> Markup:
    """A decorative <svg> of the status's symbol (the text beside it names the status)."""
    key = style_key(code, status_type)
    href = escape(symbol_href(code, status_type))
    return Markup(
        f'<svg class="status-icon status--{key}" aria-hidden="true" focusable="false">'
        f'<use href="{href}"></use></svg>'
    )
