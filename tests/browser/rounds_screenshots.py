"""Screenshots of the round pages (phone 390x844, laptop 1280x800) into test-artifacts/rounds/.

Run from the project root: `.venv/bin/python -m tests.browser.rounds_screenshots`. On the demo city, the
official costs three problems of the first group's area, its treasurer runs a round, two members vote.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from tests.browser.funding_screenshots import SIZES, log_in, log_out
from tests.browser.live_server import ARTIFACTS, chromium_missing, demo_server, launch_options
from tests.live_api import api, api_token

OFFICIAL = "official@demo.commonfix.org"
TREASURER = "resident1@demo.commonfix.org"


def prepare(base: str) -> tuple[int, list[int]]:
    """A voting round of group 1 with three costed candidates and a 1:1 city match; returns (id, issues)."""
    official = api_token(base, OFFICIAL, "demo-password")
    admin = api_token(base, TREASURER, "demo-password")
    group = next(g for g in api(base, "GET", "/api/v1/groups")["groups"] if g["id"] == 1)
    query = f"/api/v1/issues?status=open&sort=rank&area={group['area']['id']}&per_page=5"
    ids = [f["properties"]["id"] for f in api(base, "GET", query)["features"]]
    for issue_id, cents in zip(ids, (9000, 6500, 4000, 2500, 1500), strict=True):
        api(base, "PUT", f"/api/v1/issues/{issue_id}/estimate", {"cost_cents": cents}, official)
    terms = {
        "group_id": 1,
        "name": "Spring 2027",
        "ballot": "knapsack",
        "rule": "equalshares/add1",
        "top_n": 5,
        "leftover": "rollover",
        "match_ratio": "1:1",
        "match_cap_cents": 5000,
    }
    rid = api(base, "POST", "/api/v1/rounds", terms, official)["id"]
    for phase in ("pledging", "voting"):
        api(base, "POST", f"/api/v1/rounds/{rid}/phase", {"phase": phase}, admin)
    return rid, ids


def take_all(page: Page, base: str, folder: Path, size: str, rid: int, issue_id: int, tallied: bool) -> None:
    def shoot(name: str) -> None:
        page.screenshot(path=str(folder / f"{name}-{size}.png"), full_page=True)

    log_in(page, base, TREASURER)
    page.goto(f"{base}/groups/1/rounds")
    shoot("rounds-list")
    page.goto(f"{base}/rounds/{rid}")
    shoot("round")
    page.goto(f"{base}/rounds/{rid}/ballot")
    if not tallied:
        page.locator("input[name=issue_ids]").first.check()
    shoot("ballot")
    if tallied:
        page.goto(f"{base}/rounds/{rid}/results")
        shoot("results")
    log_out(page)
    log_in(page, base, OFFICIAL)
    page.goto(f"{base}/issues/{issue_id}")
    shoot("issue-estimate")
    log_out(page)


def main() -> int:
    reason = chromium_missing()
    if reason:
        print(reason, file=sys.stderr)
        return 1
    folder = ARTIFACTS / "rounds"
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, demo_server(Path(tmp)) as server, sync_playwright() as p:
        base = server.url
        rid, ids = prepare(base)
        browser = p.chromium.launch(**launch_options())
        for size, options in SIZES.items():
            context = browser.new_context(**options)
            take_all(context.new_page(), base, folder, size, rid, ids[0], tallied=False)
            context.close()
        admin = api_token(base, TREASURER, "demo-password")
        api(base, "PUT", f"/api/v1/rounds/{rid}/ballot", {"issue_ids": ids[1:3]}, admin)
        api(base, "POST", f"/api/v1/rounds/{rid}/tally", None, admin)
        for size, options in SIZES.items():
            context = browser.new_context(**options)
            take_all(context.new_page(), base, folder, size, rid, ids[0], tallied=True)
            context.close()
        browser.close()
    print(f"Screenshots in {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
