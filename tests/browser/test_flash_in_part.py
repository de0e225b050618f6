"""A form that returns to a part of its page shows its message in that part, in view on a phone.

Found from outside: withdrawing a pledge from My Commonfix went back to /account#money, whose message
sat at the page's top, out of view on a 390 px phone; the resident saw the pledge gone and no word why.
Runs against the seeded demo city."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.actions import log_in, press, register
from tests.browser.conftest import api_get
from tests.browser.live_server import LiveServer


def test_the_withdrawal_message_is_in_the_money_part_in_view(phone390: Page, live_server: LiveServer) -> None:
    base = live_server.url
    listed = api_get(live_server, "/api/v1/groups")
    group = next(g for g in (listed["groups"] if isinstance(listed, dict) else listed) if g["id"] == 2)
    page = phone390
    page.goto(base + "/account/register")
    register(page, live_server, display_name="Flash Reader")
    page.goto(f"{base}/groups/{group['id']}")
    page.get_by_role("button", name=f"Join {group['name']}").click()
    page.get_by_label("Amount").fill("3.00")
    press(page, "Pledge")

    page.goto(base + "/account#money")
    step = page.locator("details.confirm", has=page.locator("summary", has_text="Withdraw"))
    step.locator("summary").click()
    press(page, "Yes, withdraw EUR 3.00")

    assert page.url.endswith("/account#money")
    message = page.locator("#money .flash--success")
    expect(message).to_contain_text("Your pledge of EUR 3.00 is withdrawn")
    expect(message).to_be_in_viewport()
    heading = page.locator("#money h2")
    # Under the part's heading, so the resident reads where they are, then what happened.
    heading_box, message_box = heading.bounding_box(), message.bounding_box()
    assert heading_box is not None
    assert message_box is not None
    assert heading_box["y"] < message_box["y"]
    expect(page.locator("body > .flashes")).to_have_count(0)


def test_a_page_without_a_part_keeps_its_message_at_the_top(phone390: Page, live_server: LiveServer) -> None:
    page = phone390
    page.goto(live_server.url + "/account/register")
    register(page, live_server, display_name="Top Reader")  # its message is checked at the top
    expect(page.locator("body > .flashes .flash--success")).to_be_in_viewport()


def test_a_message_after_an_action_takes_the_focus_when_nothing_else_did(
    phone390: Page, live_server: LiveServer
) -> None:
    """Found from outside: after an official's status change the focus was at the page's top and the
    message was never announced to a screen reader (the dashboard's bulk change already did this)."""
    page = phone390
    log_in(page, live_server.url, "official@demo.commonfix.org", "demo-password")
    page.goto(live_server.url + "/staff/issues/12")
    page.locator("#status").select_option(index=1)
    page.locator("#note").fill("We have seen it.")
    page.get_by_role("button", name="Change status").click()

    message = page.locator(".flashes")
    expect(message).to_contain_text("Status of #12 changed to")
    expect(message).to_be_focused()
