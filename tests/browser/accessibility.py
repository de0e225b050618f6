"""axe-core (the npm package, pinned in package.json) run inside a page: the violations that matter.

`make test` installs it with `npm ci`; the browser tests evaluate it in the page under test, run it on
the whole document and fail on any violation axe rates serious or critical.
"""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page

from tests.gunicorn_server import ROOT

AXE_SCRIPT = ROOT / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Every axe-core violation on the page as it is now (after its scripts ran)."""
    if not AXE_SCRIPT.exists():
        raise RuntimeError(f"{AXE_SCRIPT} is missing: run `make test` (or `npm ci`) to install axe-core")
    # Evaluated as the browser's developer tools would, not added as a <script>: the pages' content
    # security policy blocks inline scripts without the response's nonce, as it should.
    page.evaluate(AXE_SCRIPT.read_text(encoding="utf-8"))
    result: dict[str, Any] = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    violations: list[dict[str, Any]] = result["violations"]
    return violations


def serious_violations(page: Page) -> list[str]:
    """Serious and critical violations, one readable line each (rule, impact, first offending nodes)."""
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
        for v in axe_violations(page)
        if v["impact"] in BLOCKING
    ]
