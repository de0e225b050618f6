"""Account journeys on a phone (390x844): register, confirm by the mailed link and like a problem; forget
the password, reset it by the mailed link and log in with the new one; change the name and the address
in the settings; log out, after which the old session cookie is refused. axe-core checks each new page;
screenshots at 390x844 and 1366x900 go to test-artifacts/account-settings/."""

from __future__ import annotations

import email
import email.policy
import re
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.accessibility import serious_violations
from tests.browser.actions import confirmation_link, log_in
from tests.browser.conftest import api_get
from tests.browser.live_server import LAPTOP, PHONE_390, LiveServer

PASSWORD = "a long enough password"
NEW_PASSWORD = "another long password"


def checked_and_shot(page: Page, folder: Path, name: str) -> None:
    """axe-core finds nothing serious on the page as it is, and a full-page screenshot is kept."""
    assert serious_violations(page) == [], name
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def mailed_link(server: LiveServer, address: str, subject: str, path: str, timeout: float = 30.0) -> str:
    """The link to `path...` in the newest mail with `subject` the worker wrote to `address`."""
    outbox = Path(server.env["MAIL_OUTBOX_DIR"])
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = []
        for file in outbox.glob("*.eml"):
            message = email.message_from_bytes(file.read_bytes(), policy=email.policy.default)
            if message["To"] == address and message["Subject"] == subject:
                found.append((file.stat().st_mtime_ns, message))
        if found:
            text = max(found, key=lambda pair: pair[0])[1].get_body(preferencelist=("plain",)).get_content()
            link = re.search(r"https?://\S+" + re.escape(path) + r"\S+", text)
            assert link, text
            return link.group(0)
        time.sleep(0.2)
    raise AssertionError(f"no mail {subject!r} to {address} within {timeout} s")


def register_here(page: Page, server: LiveServer, folder: Path, name: str, shots: bool = False) -> str:
    """Register through the form, then confirm by the mailed link (checking both new pages)."""
    address = f"journey{time.time_ns()}@example.org"
    page.goto(server.url + "/account/register")
    page.get_by_label("Email").fill(address)
    page.get_by_label("Display name").fill(name)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    if shots:
        checked_and_shot(page, folder, "check-email-phone")
    page.goto(confirmation_link(server, address))
    expect(page.get_by_role("button", name="Confirm my address")).to_be_visible()
    if shots:
        checked_and_shot(page, folder, "confirm-phone")
    page.get_by_role("button", name="Confirm my address").click()
    expect(page.locator(".flash--success")).to_contain_text(f"Thank you, {name}")
    return address


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Menu").click()
    page.get_by_role("button", name="Log out").click()
    expect(page.locator(".flash--info")).to_contain_text("You are logged out")


def test_register_confirm_by_the_mailed_link_and_like(
    phone390: Page, live_server: LiveServer, artifacts: Path
) -> None:
    folder = artifacts / "account-settings"
    register_here(phone390, live_server, folder, "Journey Liker", shots=True)
    issue = api_get(live_server, "/api/v1/issues?per_page=1&sort=rank")["features"][0]["properties"]
    phone390.goto(f"{live_server.url}/issues/{issue['id']}")
    count = phone390.locator(".like [data-like-count]")
    before = int(count.inner_text())
    phone390.locator(".like").get_by_role("button", name="Like").tap()
    expect(phone390.locator(".like").get_by_role("button", name="Unlike")).to_be_visible()
    expect(count).to_have_text(str(before + 1))
    phone390.get_by_role("button", name="Menu").click()
    phone390.get_by_role("link", name="My Commonfix: Journey Liker").click()
    expect(phone390.locator("#likes")).to_contain_text(issue["title"])
    checked_and_shot(phone390, folder, "my-commonfix-phone")


def test_forgot_password_reset_by_the_mailed_link_then_log_in(
    phone390: Page, live_server: LiveServer, artifacts: Path
) -> None:
    folder = artifacts / "account-settings"
    base = live_server.url
    address = register_here(phone390, live_server, folder, "Forgetful Resident")
    log_out(phone390)

    phone390.goto(base + "/account/login")
    phone390.get_by_role("link", name="Forgot your password?").click()
    expect(phone390.get_by_role("heading", name="Forgot your password?")).to_be_visible()
    checked_and_shot(phone390, folder, "forgot-phone")
    phone390.get_by_role("button", name="Send me a reset link").click()  # empty: the field says why
    expect(phone390.locator(".field__error")).to_contain_text("Email is required.")
    phone390.get_by_label("Email").fill(address)
    phone390.get_by_role("button", name="Send me a reset link").click()
    expect(phone390.get_by_role("heading", name="Check your email")).to_be_visible()
    expect(phone390.locator(".lead")).to_contain_text(address)
    checked_and_shot(phone390, folder, "reset-sent-phone")

    link = mailed_link(live_server, address, "Reset your Commonfix password", "/account/password/reset/")
    phone390.goto(link)
    expect(phone390.get_by_role("heading", name="Choose a new password")).to_be_visible()
    checked_and_shot(phone390, folder, "reset-phone")
    phone390.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    phone390.get_by_label("Repeat the new password").fill(NEW_PASSWORD + "?")
    phone390.get_by_role("button", name="Set my new password").click()
    expect(phone390.locator(".field__error")).to_contain_text("The passwords differ.")
    checked_and_shot(phone390, folder, "reset-error-phone")
    phone390.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    phone390.get_by_label("Repeat the new password").fill(NEW_PASSWORD)
    phone390.get_by_role("button", name="Set my new password").click()
    expect(phone390.locator(".flash--success")).to_contain_text("logged in on this device only")
    expect(phone390.get_by_role("heading", name="My Commonfix", level=1)).to_be_visible()

    phone390.goto(link)  # the link worked once
    expect(phone390.locator(".error-message")).to_contain_text("used already")
    checked_and_shot(phone390, folder, "reset-used-phone")

    log_out(phone390)
    phone390.goto(base + "/account/login")
    phone390.get_by_label("Email").fill(address)
    phone390.get_by_label("Password").fill(PASSWORD)
    phone390.get_by_role("button", name="Log in").click()
    expect(phone390.locator(".field__error, .form-errors").first).to_contain_text("Wrong email or password")
    log_in(phone390, base, address, NEW_PASSWORD)


def test_settings_change_the_name_and_the_address(
    phone390: Page, live_server: LiveServer, artifacts: Path
) -> None:
    folder = artifacts / "account-settings"
    base = live_server.url
    register_here(phone390, live_server, folder, "Settings Resident")
    phone390.goto(base + "/account")
    phone390.get_by_role("link", name="Name, email and password").click()
    expect(phone390.get_by_role("heading", name="Account settings", level=1)).to_be_visible()
    checked_and_shot(phone390, folder, "settings-phone")

    phone390.get_by_label("Display name").fill("Renamed Resident")
    phone390.get_by_label("Hide my name on new reports").check()
    phone390.get_by_role("button", name="Save", exact=True).click()
    expect(phone390.locator(".flash--success")).to_contain_text("Your settings are saved.")
    phone390.goto(base + "/issues/new")
    expect(phone390.get_by_label("Hide my name on the public page")).to_be_checked()

    phone390.goto(base + "/account/settings")
    new_address = f"moved{time.time_ns()}@example.org"
    phone390.get_by_label("New email address").fill(new_address)
    phone390.get_by_label("Your password").fill("not my password")
    phone390.get_by_role("button", name="Send a link to the new address").click()
    expect(phone390.locator(".field__error")).to_contain_text("Your current password is wrong")
    checked_and_shot(phone390, folder, "settings-error-phone")
    phone390.get_by_label("Your password").fill(PASSWORD)
    phone390.get_by_role("button", name="Send a link to the new address").click()
    expect(phone390.locator(".flash--success")).to_contain_text(f"We sent a link to {new_address}")

    link = mailed_link(
        live_server, new_address, "Confirm your new address for Commonfix", "/account/email/confirm/"
    )
    phone390.goto(link)
    expect(phone390.get_by_role("heading", name="Confirm your new address")).to_be_visible()
    checked_and_shot(phone390, folder, "email-change-phone")
    phone390.get_by_role("button", name="Use this address").click()
    expect(phone390.locator(".flash--success")).to_contain_text(f"Your address is now {new_address}")
    log_out(phone390)
    log_in(phone390, base, new_address, PASSWORD)


def test_log_out_then_the_old_session_cookie_is_refused(
    browser: Browser, phone390: Page, live_server: LiveServer, artifacts: Path
) -> None:
    base = live_server.url
    register_here(phone390, live_server, artifacts / "account-settings", "Careful Resident")
    phone390.goto(base + "/account")
    expect(phone390.get_by_role("heading", name="My Commonfix", level=1)).to_be_visible()
    cookies: list[Any] = phone390.context.cookies()
    assert any(c["name"] == "session" for c in cookies)

    control = fresh_context(browser, cookies)  # the same cookies work while the login lives
    control.new_page().goto(base + "/account")
    assert control.pages[0].get_by_role("heading", name="My Commonfix", level=1).is_visible()
    control.close()

    log_out(phone390)
    replay = fresh_context(browser, cookies)
    page = replay.new_page()
    page.goto(base + "/account")
    expect(page.get_by_role("heading", name="Log in", level=1)).to_be_visible()
    expect(page.locator('#site-nav a[href^="/account/login"]')).to_have_count(1)
    expect(page.locator(".nav-user")).to_have_count(0)
    replay.close()


def fresh_context(browser: Browser, cookies: list[Any]) -> BrowserContext:
    context = browser.new_context(**PHONE_390)
    context.set_default_timeout(15_000)
    context.add_cookies(cookies)
    return context


def test_screenshots_of_the_new_pages_on_a_laptop(
    browser: Browser, live_server: LiveServer, artifacts: Path
) -> None:
    folder = artifacts / "account-settings"
    context = browser.new_context(**LAPTOP)
    page = context.new_page()
    base = live_server.url
    address = register_here(page, live_server, folder, "Laptop Resident")
    for path, name in (("/account", "my-commonfix-laptop"), ("/account/settings", "settings-laptop")):
        page.goto(base + path)
        checked_and_shot(page, folder, name)
    context.clear_cookies()
    page.goto(base + "/account/login")
    checked_and_shot(page, folder, "login-laptop")
    page.goto(base + "/account/password/forgot")
    checked_and_shot(page, folder, "forgot-laptop")
    page.get_by_label("Email").fill(address)
    page.get_by_role("button", name="Send me a reset link").click()
    # The check waits for the next page: axe on a page still navigating finds no document to read.
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    checked_and_shot(page, folder, "reset-sent-laptop")
    page.goto(mailed_link(live_server, address, "Reset your Commonfix password", "/account/password/reset/"))
    checked_and_shot(page, folder, "reset-laptop")
    page.goto(base + "/account/register")
    other = f"laptop{time.time_ns()}@example.org"
    page.get_by_label("Email").fill(other)
    page.get_by_label("Display name").fill("Second Laptop")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    checked_and_shot(page, folder, "check-email-laptop")
    page.goto(confirmation_link(live_server, other))
    checked_and_shot(page, folder, "confirm-laptop")
    page.get_by_role("button", name="Confirm my address").click()
    expect(page.locator(".flash--success")).to_contain_text("Thank you, Second Laptop")
    page.goto(base + "/account/settings")
    moved = f"laptopmoved{time.time_ns()}@example.org"
    page.get_by_label("New email address").fill(moved)
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Send a link to the new address").click()
    page.goto(
        mailed_link(live_server, moved, "Confirm your new address for Commonfix", "/account/email/confirm/")
    )
    checked_and_shot(page, folder, "email-change-laptop")
    context.close()


def test_the_confirm_your_email_banner_lines_up_with_the_flashes_on_a_phone(
    phone390: Page, live_server: LiveServer
) -> None:
    """Logged in before confirming: the banner sits inside the page's margins like a flash does, not
    from edge to edge of a 390 px screen."""
    address = f"banner{time.time_ns()}@example.org"
    phone390.goto(live_server.url + "/account/register")
    phone390.get_by_label("Email").fill(address)
    phone390.get_by_label("Display name").fill("Not Yet Confirmed")
    phone390.get_by_label("Password", exact=True).fill(PASSWORD)
    phone390.get_by_label("Repeat password").fill(PASSWORD)
    phone390.get_by_role("button", name="Create account").click()
    expect(phone390.get_by_role("heading", name="Check your email")).to_be_visible()
    log_in(phone390, live_server.url, address, PASSWORD)  # the "Logged in" flash above the banner

    banner = phone390.locator(".confirm-banner")
    expect(banner).to_be_visible()
    flash = phone390.locator(".flashes .flash").first
    banner_box, flash_box = banner.bounding_box(), flash.bounding_box()
    assert banner_box is not None
    assert flash_box is not None
    assert banner_box["x"] == flash_box["x"] >= 12
    assert banner_box["x"] + banner_box["width"] == flash_box["x"] + flash_box["width"] <= 390 - 12
