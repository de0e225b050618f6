"""The content security policy in a real browser: every page's own scripts run (the maps are built) and
the browser reports no blocked script, while a script that markup slips into a page is blocked. Runs
against the seeded demo city on a 390x844 phone."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.browser.actions import log_in, wait_for_map
from tests.browser.conftest import api_get
from tests.browser.live_server import LiveServer

OFFICIAL = "official@demo.commonfix.org"
# Each blocked script or handler fires a securitypolicyviolation event on the document.
RECORD_VIOLATIONS = """
window.cfViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
    window.cfViolations.push(e.effectiveDirective + ' ' + (e.blockedURI || 'inline'));
});
"""


def violations(page: Page) -> list[str]:
    found: list[str] = page.evaluate("() => window.cfViolations")
    return found


def visit(page: Page, url: str, with_map: bool = True) -> None:
    page.goto(url)
    if with_map:
        wait_for_map(page)
    page.wait_for_load_state("networkidle")
    assert violations(page) == [], url


def test_every_map_page_runs_its_own_scripts_and_nothing_is_blocked(
    phone390: Page, live_server: LiveServer
) -> None:
    base = live_server.url
    phone390.add_init_script(RECORD_VIOLATIONS)
    problem = api_get(live_server, "/api/v1/issues?per_page=1")["features"][0]["properties"]
    rounds = api_get(live_server, "/api/v1/rounds?group_id=1")["rounds"]  # newest first
    tallied = [r for r in rounds if r["phase"] in ("tallied", "closed")]
    assert tallied, "the demo city has a tallied round, with a map of what it funded"

    visit(phone390, base + "/")
    visit(phone390, f"{base}/issues/{problem['id']}")
    visit(phone390, f"{base}/rounds/{tallied[-1]['id']}/results")
    visit(phone390, f"{base}/groups/1")
    log_in(phone390, base, OFFICIAL)
    visit(phone390, base + "/issues/new")
    visit(phone390, base + "/staff/dashboard")


def test_a_script_slipped_into_a_page_does_not_run(phone390: Page, live_server: LiveServer) -> None:
    phone390.add_init_script(RECORD_VIOLATIONS)
    visit(phone390, live_server.url + "/")

    phone390.evaluate(
        """() => {
            const handler = '<img src="/no-such.png" onerror="window.cfRan = 1">';
            document.body.insertAdjacentHTML('beforeend', handler);
            const script = document.createElement('script');
            script.textContent = 'window.cfRan = 2';
            document.body.append(script);
        }"""
    )
    phone390.wait_for_function("() => window.cfViolations.length >= 2")

    assert phone390.evaluate("() => window.cfRan") is None
    assert sorted(v.split()[0] for v in violations(phone390)) == ["script-src-attr", "script-src-elem"]
