"""Money is written one way: budgets.money for Python and templates, Commonfix.formatMoney for the browser."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask

from budgets.money import format_money

ROOT = Path(__file__).resolve().parent.parent
# Cents turned into major units by hand: "/ 100", "// 100", "% 100", divmod(x, 100), ":,.2f", toFixed(2).
BY_HAND = re.compile(r"(?://?|%)\s*100\b|divmod\([^)]*,\s*100\)|\.2f\}|toFixed\(2\)")
OWNERS = {ROOT / "budgets" / "money.py", ROOT / "app" / "static" / "js" / "commonfix.js"}


def test_templates_have_one_money_filter_and_it_is_budgets_money(app: Flask) -> None:
    assert app.jinja_env.filters["money"] is format_money
    with app.app_context():
        rendered = app.jinja_env.from_string("{{ 123456|money('EUR') }} / {{ 5|money }}").render()
    assert rendered == "EUR 1,234.56 / 0.05"


def test_no_module_template_or_script_formats_cents_by_hand() -> None:
    files = [
        path
        # budgets' rules explain allocations in the election's own units (Fractions), not in cents.
        for pattern in ("app/**/*.py", "app/templates/**/*.html", "app/static/js/*.js")
        for path in ROOT.glob(pattern)
        if path not in OWNERS
    ]
    assert len(files) > 50  # the globs found the code
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in files
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if BY_HAND.search(line)
    ]
    assert found == [], "format money with budgets.money (|money in templates, Commonfix.formatMoney in JS)"
