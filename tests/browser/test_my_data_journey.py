"""A resident on a phone (390x844) owns their data: My Commonfix from the menu, "Download my data" (the ZIP
opens and holds their report and like), flagging a report, and deleting the account, after which the report
shows "a former resident" and the ledger still checks. Screenshots of the new pages at 390x844 and 1366x900
go to test-artifacts/account/."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
import zipfile
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from tests.browser.actions import log_in, register
from tests.browser.conftest import api_get
from tests.browser.live_server import LAPTOP, PHONE_390, ROOT, LiveServer
from tests.live_api import api, api_token

PASSWORD = "a long enough password"  # what tests.browser.actions.register types


def shoot(page: Page, folder: Path, name: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def ledger_check(server: LiveServer) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "ledger-check"],
        cwd=ROOT,
        env=server.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_my_commonfix_download_flag_and_delete_on_a_phone(
    browser: Browser, live_server: LiveServer, artifacts: Path
) -> None:
    folder = artifacts / "account"
    context = browser.new_context(**PHONE_390)
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    base = live_server.url

    page.goto(base + "/account/register")
    name = "Data Owner"
    email = register(page, live_server, display_name=name)
    token = api_token(live_server.url, email, PASSWORD)
    somewhere = api_get(live_server, "/api/v1/issues?per_page=2&sort=rank")["features"]
    lon, lat = somewhere[0]["geometry"]["coordinates"]
    title = f"Browser pothole {time.time_ns()}"
    mine = api(
        live_server.url,
        "POST",
        "/api/v1/issues",
        {"lat": lat, "lon": lon, "category": "pothole", "title": title, "description": "Deep, by the kerb."},
        token,
    )["properties"]["id"]
    liked = somewhere[1]["properties"]["id"]
    page.goto(f"{base}/issues/{liked}")
    page.locator(".like").get_by_role("button", name="Like").click()
    expect(page.locator(".like").get_by_role("button", name="Unlike")).to_be_visible()

    page.get_by_role("button", name="Menu").click()
    page.get_by_role("link", name=f"My Commonfix: {name}").click()
    expect(page.get_by_role("heading", name="My Commonfix", level=1)).to_be_visible()
    expect(page.locator("#reports")).to_contain_text(title)
    expect(page.locator("#likes .mine__item")).to_have_count(1)
    expect(page.locator("#follows")).to_contain_text(title)  # reporters follow their own report
    shoot(page, folder, "my-commonfix-phone")

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download my data (ZIP)").click()
    archive = zipfile.ZipFile(io.BytesIO(Path(download_info.value.path()).read_bytes()))
    assert archive.testzip() is None
    data = json.loads(archive.read("data.json"))
    assert [r["id"] for r in data["reports"]] == [mine]
    assert [like["issue_id"] for like in data["likes"]] == [liked]
    assert "README.txt" in archive.namelist()

    page.goto(f"{base}/issues/{liked}")
    page.get_by_role("link", name="Flag this report").click()
    expect(page.get_by_role("heading", name="Flag this problem report")).to_be_visible()
    shoot(page, folder, "flag-form-phone")
    page.get_by_label("Spam or advertising").check()
    page.get_by_role("button", name="Send to the moderators").click()
    expect(page.locator(".flash--success")).to_contain_text("the moderators will look at it")

    page.goto(base + "/account")
    page.get_by_role("link", name="Delete my account…").click()
    expect(page.get_by_role("heading", name="Delete my account")).to_be_visible()
    shoot(page, folder, "delete-account-phone")
    page.get_by_label("Your password").fill("not my password")
    page.get_by_role("button", name="Delete my account").click()
    expect(page.locator(".field__error")).to_contain_text("The password is wrong")
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Delete my account").click()
    expect(page.locator(".flash--success")).to_contain_text("Your account is deleted")
    expect(page.locator('#site-nav a[href^="/account/login"]')).to_have_count(1)  # logged out

    page.goto(f"{base}/issues/{mine}")
    expect(page.locator(".facts")).to_contain_text("Reported by")
    expect(page.locator(".facts")).to_contain_text("a former resident")
    page.goto(base + "/privacy")
    expect(page.get_by_role("heading", name="Privacy: what Commonfix stores about you")).to_be_visible()
    shoot(page, folder, "privacy-phone")
    checked = ledger_check(live_server)
    assert checked.returncode == 0, checked.stderr
    assert "Ledger OK" in checked.stdout
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def test_screenshots_of_the_account_pages_on_a_laptop(
    browser: Browser, live_server: LiveServer, artifacts: Path
) -> None:
    folder = artifacts / "account"
    context = browser.new_context(**LAPTOP)
    page = context.new_page()
    base = live_server.url
    log_in(page, base)  # the demo resident: reports, likes, follows and pledges to show
    for path, name in (
        ("/account", "my-commonfix-laptop"),
        ("/account/delete", "delete-account-laptop"),
        ("/privacy", "privacy-laptop"),
    ):
        page.goto(base + path)
        expect(page.locator("h1")).to_be_visible()
        shoot(page, folder, name)
    issue = api_get(live_server, "/api/v1/issues?per_page=1&sort=rank")["features"][0]["properties"]["id"]
    page.goto(f"{base}/issues/{issue}")
    shoot(page, folder, "problem-page-flag-link-laptop")
    page.goto(f"{base}/issues/{issue}/flag")
    shoot(page, folder, "flag-form-laptop")
    context.clear_cookies()
    log_in(page, base, email="official@demo.commonfix.org")
    page.goto(base + "/staff/flags")
    expect(page.get_by_role("heading", name="Flagged content")).to_be_visible()
    shoot(page, folder, "flag-queue-laptop")
    context.close()
    phone = browser.new_context(**PHONE_390)
    page = phone.new_page()
    log_in(page, base)
    page.goto(base + "/account")
    shoot(page, folder, "my-commonfix-demo-resident-phone")
    page.goto(f"{base}/issues/{issue}")
    shoot(page, folder, "problem-page-flag-link-phone")
    phone.close()
