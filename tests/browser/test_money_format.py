"""The browser writes money as budgets.money does: Commonfix.formatMoney against format_money."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page

from budgets.money import format_money

SCRIPT = Path(__file__).resolve().parents[2] / "app" / "static" / "js" / "commonfix.js"
CASES = [0, 1, 5, 99, 100, 105, 99_999, 100_000, 123_456, 100_000_000, 99_999_999_999, -1, -123_456]


def test_format_money_in_the_browser_matches_python(phone: Page) -> None:
    phone.set_content("<!doctype html><html><body><main></main></body></html>")
    phone.add_script_tag(path=str(SCRIPT))
    for currency in ("EUR", ""):
        shown = phone.evaluate(
            "([cases, currency]) => cases.map((c) => window.Commonfix.formatMoney(c, currency))",
            [CASES, currency],
        )
        assert shown == [format_money(cents, currency or None) for cents in CASES]
