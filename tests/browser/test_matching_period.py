"""On a phone and a laptop: a city official creates a matching period, residents' backings arrive, the
period page shows each problem's backers, backed sum and the city's match with its one-sentence reason
and a chart; the official closes it through the confirmation step and the match is posted. axe finds
nothing serious on these pages. Screenshots under test-artifacts/matching/."""

from __future__ import annotations

import itertools
from datetime import timedelta

from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from app import create_app
from app.extensions import db
from app.models import Backing, Issue, User
from app.models.timestamps import utcnow
from app.services.funding import ledger
from budgets.accounts import PostingKind, escrow_account, resident_account
from config import TestingConfig
from tests.browser.accessibility import serious_violations
from tests.browser.actions import confirm, log_in, press
from tests.browser.conftest import api_get, new_phone_page
from tests.browser.live_server import LAPTOP, PHONE_390, LiveServer
from tests.browser.test_funding_flow import OFFICIAL

# (problem index, backings in cents by resident index): many small gifts, one large one, one alone
BACKINGS = {0: [500, 500, 300, 200, 1000, 400], 1: [5000, 200], 2: [2500]}


def back_problems(server: LiveServer, period_id: int) -> list[int]:
    """Backings of three demo problems written as the backings feature writes them (row + posting)."""
    app = create_app(TestingConfig, {"SQLALCHEMY_DATABASE_URI": server.database_url})
    keys = itertools.count(1)
    with app.app_context():
        residents = db.session.scalars(
            select(User.id)
            .where(User.role == "resident", User.email_confirmed_at.is_not(None), User.is_blocked.is_(False))
            .order_by(User.id)
            .limit(6)
        ).all()
        problems = db.session.scalars(
            select(Issue.id).where(Issue.is_hidden.is_(False)).order_by(Issue.id).limit(3)
        ).all()
        for index, gifts in BACKINGS.items():
            issue_id = problems[index]
            for user_id, cents in zip(residents, gifts, strict=False):
                backing = Backing(
                    issue_id=issue_id,
                    user_id=user_id,
                    period_id=period_id,
                    amount_cents=cents,
                    provider="test",
                    idempotency_key=f"browser-{period_id}-{next(keys)}",
                )
                db.session.add(backing)
                db.session.flush()
                lines = [(resident_account(user_id), -cents), (escrow_account(issue_id), cents)]
                ledger.post(
                    db.session,
                    PostingKind.BACKING,
                    "Backing",
                    lines,
                    None,
                    issue_id=issue_id,
                    backing_id=backing.id,
                )
        db.session.commit()
        db.engine.dispose()
    return list(problems)


def check_page(page: Page) -> None:
    assert serious_violations(page) == []


def test_an_official_runs_a_matching_period_on_phone_and_laptop(
    live_server: LiveServer, browser: Browser, artifacts
) -> None:
    base = live_server.url
    shots = artifacts / "matching"
    shots.mkdir(exist_ok=True)
    phone = new_phone_page(browser, **PHONE_390)
    laptop = browser.new_context(**LAPTOP).new_page()
    closes = (utcnow() + timedelta(days=10)).replace(second=0, microsecond=0)

    log_in(phone, base, OFFICIAL)
    phone.goto(f"{base}/matching-periods")
    phone.get_by_test_id("new-period").click()
    phone.get_by_label("Name").fill("Winter campaign")
    # The demo city already runs a city-wide period (app/demo/backing.py): this one is Old Town's.
    phone.get_by_label("Neighbourhood").select_option(label="Old Town")
    phone.get_by_label("Closes at (UTC time): the campaign deadline").fill(closes.strftime("%Y-%m-%dT%H:%M"))
    phone.get_by_label("City's fund").fill("1000.00")
    phone.get_by_label("Most match per problem").fill("60.00")
    phone.get_by_label("Most one resident may back a problem with").fill("20.00")
    check_page(phone)
    phone.screenshot(path=str(shots / "new-period-phone.png"), full_page=True)
    press(phone, "Create matching period")
    expect(phone.locator("h1")).to_have_text("Winter campaign")
    period_id = int(phone.url.rstrip("/").rsplit("/", 1)[1])
    expect(phone.get_by_text("No problem has been backed in this period yet.")).to_be_visible()

    problems = back_problems(live_server, period_id)
    phone.reload()
    sentences = phone.get_by_test_id("sentence")
    expect(sentences).to_have_count(3)
    # (sqrt(500) + sqrt(500) + ... capped at 2,000 each)^2 - sum: well above the 60.00 cap
    expect(sentences.nth(0)).to_contain_text(
        "6 neighbours backed this; the city adds EUR 60.00, the most one problem"
    )
    expect(
        phone.get_by_text("1 neighbour backed this; the city adds a match once two or more")
    ).to_be_visible()
    check_page(phone)
    phone.screenshot(path=str(shots / "period-phone.png"), full_page=True)

    laptop.goto(f"{base}/matching-periods/{period_id}")
    expect(laptop.locator("figure.chart-frame svg")).to_be_visible()
    check_page(laptop)
    laptop.screenshot(path=str(shots / "period-laptop.png"), full_page=True)

    phone.locator("details.confirm summary", has_text="Close this matching period now").click()
    check_page(phone)
    phone.screenshot(path=str(shots / "close-confirm-phone.png"), full_page=True)
    confirm(phone, "Close this matching period now", "It cannot be undone")
    expect(phone.get_by_test_id("period-state")).to_contain_text("Closed on")
    expect(phone.get_by_text("the match was posted for 2 problems")).to_be_visible()
    check_page(phone)
    phone.screenshot(path=str(shots / "closed-phone.png"), full_page=True)
    said = api_get(live_server, f"/api/v1/issues/{problems[0]}/match")
    assert said["closed"] is True
    assert said["match_cents"] == 6000
    assert api_get(live_server, f"/api/v1/matching-periods/{period_id}")["closed_at"] is not None
    phone.context.close()
    laptop.context.close()
