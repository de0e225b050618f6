"""Screenshots of the ballot, results, pool, group and rules pages (phone 390x844, laptop 1366x900).

They go to test-artifacts/words/.

Run from the project root: `.venv/bin/python -m tests.browser.words_screenshots`. In the demo city's last
group, the official costs five problems (one more than the whole pool) and opens a knapsack round under
the Method of Equal Shares; three new residents join and vote; the official tallies.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Browser, Page, sync_playwright

from tests.browser.actions import log_in, register
from tests.browser.live_server import ARTIFACTS, LiveServer, chromium_missing, demo_server, launch_options
from tests.live_api import api, api_token

OFFICIAL = "official@demo.commonfix.org"
PASSWORD = "a long enough password"
SIZES = {
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
        "locale": "en-GB",
    },
    "laptop": {"viewport": {"width": 1366, "height": 900}, "locale": "en-GB"},
}


def voter(browser: Browser, server: LiveServer, name: str, size: str) -> tuple[Page, str]:
    page = browser.new_context(**SIZES[size]).new_page()
    page.goto(server.url + "/account/register")
    email = register(page, server, display_name=name)
    return page, api_token(server.url, email, PASSWORD)


def main() -> int:
    reason = chromium_missing()
    if reason:
        print(reason, file=sys.stderr)
        return 1
    folder = ARTIFACTS / "words"
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, demo_server(Path(tmp)) as server, sync_playwright() as p:
        base = server.url
        official = api_token(base, OFFICIAL, "demo-password")
        group = api(base, "GET", "/api/v1/groups")["groups"][-1]
        budget = api(base, "GET", f"/api/v1/pools/{group['pool_id']}")["balance_cents"]
        query = f"/api/v1/issues?status=open&sort=rank&area={group['area']['id']}&per_page=5"
        ids = [f["properties"]["id"] for f in api(base, "GET", query)["features"]]
        for issue_id, share in zip(ids, (40, 30, 25, 20, 150), strict=True):
            estimate = {"cost_cents": budget * share // 100}
            api(base, "PUT", f"/api/v1/issues/{issue_id}/estimate", estimate, official)
        terms = {
            "group_id": group["id"],
            "name": "Autumn 2027",
            "ballot": "knapsack",
            "rule": "equalshares/add1",
            "top_n": 5,
            "leftover": "rollover",
        }
        rid = api(base, "POST", "/api/v1/rounds", terms, official)["id"]
        browser = p.chromium.launch(**launch_options())
        pages: dict[str, Page] = {}
        choices = (("phone", ids[:2]), ("laptop", [ids[0], ids[2], ids[3]]))
        # The voters join before voting opens: a members round takes those who had joined by then.
        voters = [voter(browser, server, f"Voter {n + 1}", size) for n, (size, _) in enumerate(choices)]
        _, third = voter(browser, server, "Voter 3", "phone")
        for token in [*(t for _, t in voters), third]:
            api(base, "POST", f"/api/v1/groups/{group['id']}/members", {}, token)
        for phase in ("pledging", "voting"):
            api(base, "POST", f"/api/v1/rounds/{rid}/phase", {"phase": phase}, official)
        for (size, picks), (page, token) in zip(choices, voters, strict=True):
            page.goto(f"{base}/rounds/{rid}/ballot")
            for issue_id in picks[:-1]:
                page.locator(f'input[name=issue_ids][value="{issue_id}"]').check()
            page.locator(f'input[name=issue_ids][value="{ids[4]}"]').click(force=True)  # refused
            page.screenshot(path=str(folder / f"ballot-{size}.png"), full_page=True)
            api(base, "PUT", f"/api/v1/rounds/{rid}/ballot", {"issue_ids": picks}, token)
            pages[size] = page
        api(base, "PUT", f"/api/v1/rounds/{rid}/ballot", {"issue_ids": [ids[1], ids[3]]}, third)
        tallier = browser.new_context(**SIZES["laptop"]).new_page()
        log_in(tallier, base, OFFICIAL)
        tallier.goto(f"{base}/rounds/{rid}")
        tallier.get_by_role("button", name="Close voting and tally").click()
        tallier.wait_for_load_state()
        for size, page in pages.items():
            for name, path in (
                ("results", f"/rounds/{rid}/results"),
                ("pool", f"/pools/{group['pool_id']}"),
                ("group", f"/groups/{group['id']}"),
                ("rules", "/rounds/rules"),
            ):
                page.goto(base + path)
                page.wait_for_load_state("networkidle")
                page.screenshot(path=str(folder / f"{name}-{size}.png"), full_page=True)
        browser.close()
    print(f"Screenshots in {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
