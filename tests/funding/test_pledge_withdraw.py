"""A pledger withdraws their own pending pledge (found from outside: a resident who pledged by mistake,
or whose plans changed before handing the money over, could not take the pledge back; it waited in the
treasurer's queue and the pool's "Pending" figure until someone declined it).

Only the pledger, only while the treasurer has not confirmed it: by API and from the pages where the
pledger reads their pledges (the group page, My Commonfix), each behind a step saying what happens. The
row stays, marked withdrawn (money history is auditable); nothing is posted; the act is audited in
words; the treasurer page drops it from the pending list and names it among the withdrawn. Withdrawn
and confirmed exclude each other, also when sent at once. Both engines; the web route's row is in
tests/test_access_rules.py."""

# ruff: noqa: F811  (fixtures are imported, then requested by name)

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEntry, Pledge, User
from app.services.funding import pledges
from app.services.kernel.errors import Conflict
from app.services.workspace.audit_phrases import Facts
from app.services.workspace.audit_words import describe
from tests import factories
from tests.conftest import AuthActions
from tests.funding.round_world import RoundWorld, world  # noqa: F401
from tests.funding_fixtures import Funding, GroupRef, funding  # noqa: F401


def withdraw(client: FlaskClient, pledge_id: int, headers: dict[str, str]):
    return client.post(f"/api/v1/pledges/{pledge_id}/withdraw", headers=headers)


def pending_pledge(funding: Funding, cents: int) -> tuple[GroupRef, User, int]:
    """A new group, a member, and that member's pledge of `cents` the treasurer has not confirmed."""
    ref = funding.group()
    pledger = funding.member(ref)
    return ref, pledger, funding.pledge(ref, pledger, cents, confirm=False)


def status_of(app: Flask, pledge_id: int) -> str:
    with app.app_context():
        found = db.session.get(Pledge, pledge_id)
        assert found is not None
        return found.status


def audit_count(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def withdraw_words(app: Flask) -> list[str]:
    with app.app_context():
        rows = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "pledge.withdraw").order_by(AuditEntry.id)
        ).all()
        return [describe(Facts(r.action, r.target_type, r.target_id, r.details or {}), {}).text for r in rows]


def test_the_pledger_withdraws_a_pending_pledge_and_the_row_stays(
    app: Flask, client: FlaskClient, auth: AuthActions, funding: Funding
) -> None:
    ref, pledger, pledge_id = pending_pledge(funding, 700)
    treasurer = funding.member(ref, admin=True)
    kept = funding.pledge(ref, pledger, 300, confirm=False)
    before = funding.counts()

    done = withdraw(client, pledge_id, auth.headers(pledger))

    assert done.status_code == 200, done.get_json()
    body = done.get_json()
    assert (body["id"], body["status"], body["confirmed_at"]) == (pledge_id, "withdrawn", None)
    assert body["withdrawn_at"] is not None
    assert funding.counts() == before  # the row stays; nothing posted
    balance = funding.balance(ref)
    assert (balance.pending_cents, balance.confirmed_cents) == (300, 0)
    assert withdraw_words(app) == [
        f"withdrew their pledge {pledge_id} of EUR 7.00 to pool {ref.pool_id} before its money was confirmed"
    ]
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "pledge.withdraw")).one()
        assert entry.actor_id == pledger.id
    mine = client.get("/api/v1/account", headers=auth.headers(pledger)).get_json()["pledges"]
    assert {p["id"]: p["status"] for p in mine} == {pledge_id: "withdrawn", kept: "pending"}
    # The treasurer's queue no longer holds it; the page says it was withdrawn.
    auth.login_as(treasurer)
    page = client.get(f"/pools/{ref.pool_id}/treasurer").get_data(as_text=True)
    assert f'action="/pledges/{pledge_id}/confirm"' not in page
    assert f'action="/pledges/{kept}/confirm"' in page
    withdrawn = page.split('data-testid="treasurer-withdrawn"', 1)[1].split("</ul>", 1)[0]
    assert "EUR 7.00" in withdrawn
    assert f"pledge {pledge_id}" in withdrawn


def test_only_the_pledger_withdraws(
    app: Flask, client: FlaskClient, auth: AuthActions, funding: Funding, make_user: Callable[..., User]
) -> None:
    ref, pledger, pledge_id = pending_pledge(funding, 500)
    audited = audit_count(app)

    for who in (
        funding.member(ref, admin=True),
        funding.member(ref),
        make_user(role="official"),
        make_user(role="admin"),
        make_user(),
    ):
        refused = withdraw(client, pledge_id, auth.headers(who))
        assert refused.status_code == 403, who.role
        assert refused.get_json()["error"]["field"] == "pledge_id"
        assert "only the resident who made" in refused.get_json()["error"]["message"].lower()
    assert client.post(f"/api/v1/pledges/{pledge_id}/withdraw").status_code == 401
    missing = withdraw(client, 999_999, auth.headers(pledger))
    assert (missing.status_code, missing.get_json()["error"]["field"]) == (404, "pledge_id")

    assert status_of(app, pledge_id) == "pending"
    assert funding.balance(ref).pending_cents == 500
    assert audit_count(app) == audited


@pytest.mark.parametrize(
    ("state", "words"),
    [("confirmed", "is confirmed"), ("declined", "was declined"), ("withdrawn", "is already withdrawn")],
)
def test_a_settled_pledge_is_a_409_naming_its_state_and_nothing_changes(
    app: Flask, client: FlaskClient, auth: AuthActions, funding: Funding, state: str, words: str
) -> None:
    ref = funding.group()
    pledger = funding.member(ref)
    treasurer = funding.member(ref, admin=True)
    pledge_id = funding.pledge(ref, pledger, 800, confirm=state == "confirmed")
    if state == "declined":
        assert (
            client.post(f"/api/v1/pledges/{pledge_id}/decline", headers=auth.headers(treasurer)).status_code
            == 200
        )
    if state == "withdrawn":
        assert withdraw(client, pledge_id, auth.headers(pledger)).status_code == 200
    before, balance, audited = funding.counts(), funding.balance(ref), audit_count(app)

    refused = withdraw(client, pledge_id, auth.headers(pledger))

    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert (error["code"], error["field"]) == ("conflict", "pledge_id")
    assert words in error["message"]
    assert status_of(app, pledge_id) == state
    assert (funding.counts(), funding.balance(ref), audit_count(app)) == (before, balance, audited)


def test_a_withdrawn_pledge_is_neither_confirmed_nor_declined(
    app: Flask, client: FlaskClient, auth: AuthActions, funding: Funding
) -> None:
    ref, pledger, pledge_id = pending_pledge(funding, 650)
    treasurer = funding.member(ref, admin=True)
    assert withdraw(client, pledge_id, auth.headers(pledger)).status_code == 200
    before, audited = funding.counts(), audit_count(app)

    for act in ("confirm", "decline"):
        late = client.post(f"/api/v1/pledges/{pledge_id}/{act}", headers=auth.headers(treasurer))
        assert (late.status_code, late.get_json()["error"]["field"]) == (409, "pledge_id"), act
        assert "withdrawn by its pledger" in late.get_json()["error"]["message"], act

    assert status_of(app, pledge_id) == "withdrawn"
    assert (funding.counts(), audit_count(app)) == (before, audited)
    assert funding.balance(ref).confirmed_cents == 0


def test_withdraw_and_confirm_sent_at_once_settle_one_way(app: Flask, funding: Funding) -> None:
    ref = funding.group()
    treasurer = funding.member(ref, admin=True)
    pledgers = [funding.member(ref) for _ in range(6)]
    pledge_ids = [funding.pledge(ref, who, 300 + n, confirm=False) for n, who in enumerate(pledgers)]
    owner = dict(zip(pledge_ids, pledgers, strict=True))

    def act(pledge_id: int, step: str) -> str:
        with app.app_context():
            actor = db.session.get(User, owner[pledge_id].id if step == "withdraw" else treasurer.id)
            assert actor is not None
            try:
                done = (
                    pledges.withdraw(db.session, actor, pledge_id)
                    if step == "withdraw"
                    else pledges.confirm(db.session, actor, pledge_id)
                )
                db.session.commit()
                return done.status
            except Conflict:
                db.session.rollback()
                return "refused"
            finally:
                db.session.remove()

    jobs = [(p, step) for p in pledge_ids for step in ("confirm", "withdraw", "confirm", "withdraw")]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda job: act(*job), jobs))

    with app.app_context():
        final = dict(
            db.session.execute(select(Pledge.id, Pledge.status).where(Pledge.id.in_(pledge_ids)))
            .tuples()
            .all()
        )
        withdrawals = db.session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "pledge.withdraw")
        )
    assert all(final[p] in ("confirmed", "withdrawn") for p in pledge_ids)
    for (pledge_id, step), result in zip(jobs, results, strict=True):
        # Every answer agrees with where its pledge ended: a refused withdrawal met a confirmation.
        assert result in (final[pledge_id], "refused"), (step, result, final[pledge_id])
        if step == "withdraw" and final[pledge_id] == "confirmed":
            assert result == "refused"
    confirmed = [p for p in pledge_ids if final[p] == "confirmed"]
    balance = funding.balance(ref)
    assert balance.confirmed_cents == sum(300 + pledge_ids.index(p) for p in confirmed)
    assert balance.pending_cents == 0
    assert funding.counts()[1] == len(confirmed)  # postings: one per confirmed pledge
    assert withdrawals == len(pledge_ids) - len(confirmed)  # each withdrawal audited once


def step_of(page: str, pledge_id: int) -> str:
    return page.split(f'<details class="confirm" data-testid="withdraw-{pledge_id}">', 1)[1].split(
        "</details>", 1
    )[0]


def test_the_pledger_withdraws_on_the_group_page_after_a_step_saying_what_happens(
    app: Flask, client: FlaskClient, auth: AuthActions, funding: Funding
) -> None:
    ref, pledger, pending = pending_pledge(funding, 1250)
    confirmed = funding.pledge(ref, pledger, 400, confirm=True)
    auth.login_as(pledger)

    page = client.get(f"/groups/{ref.group_id}").get_data(as_text=True)

    step = step_of(page, pending)
    assert f'action="/pledges/{pending}/withdraw?next=/groups/{ref.group_id}"' in step
    assert "Yes, withdraw EUR 12.50" in step
    assert "never counts in the pool" in step
    assert 'name="csrf_token"' in step
    assert page.count(f'action="/pledges/{pending}/withdraw') == 1  # only the step's button posts
    assert f'data-testid="withdraw-{confirmed}"' not in page  # confirmed money is not withdrawn

    done = client.post(f"/pledges/{pending}/withdraw?next=/groups/{ref.group_id}")

    assert done.status_code == 302
    assert done.headers["Location"] == f"/groups/{ref.group_id}"
    shown = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Your pledge of EUR 12.50 is withdrawn" in shown
    assert 'data-pledge-status="withdrawn"' in shown
    assert f'data-testid="withdraw-{pending}"' not in shown
    assert status_of(app, pending) == "withdrawn"
    assert funding.balance(ref).pending_cents == 0


def test_my_commonfix_offers_the_step_and_a_refused_withdrawal_names_the_state(
    app: Flask, client: FlaskClient, auth: AuthActions, funding: Funding
) -> None:
    ref, pledger, pledge_id = pending_pledge(funding, 900)
    treasurer = funding.member(ref, admin=True)
    auth.login_as(pledger)

    page = client.get("/account").get_data(as_text=True)
    step = step_of(page, pledge_id)
    assert f'action="/pledges/{pledge_id}/withdraw?next=/account%23money"' in step
    assert "Yes, withdraw EUR 9.00" in step

    # The treasurer confirms meanwhile: the stale page's button is refused, naming the state.
    with app.app_context():
        pledges.confirm(db.session, db.session.get(User, treasurer.id), pledge_id)  # type: ignore[arg-type]
        db.session.commit()
    before = funding.counts()
    # Found from outside: that was the app's bare 409 page. Now the resident is back on the page they
    # came from, told why, as the treasurer's out-of-date confirmation is.
    refused = client.post(f"/pledges/{pledge_id}/withdraw?next=/account%23money")
    assert refused.status_code == 302
    # Back to the money part, where the page's script shows the reason (tests/browser/test_flash_in_part.py).
    assert refused.headers["Location"] == "/account#money"
    shown = client.get("/account").get_data(as_text=True)
    assert f'<p class="flash flash--error">Pledge {pledge_id} is confirmed: its money is in' in shown
    assert f'data-testid="withdraw-{pledge_id}"' not in shown  # the page now reads it as confirmed
    assert status_of(app, pledge_id) == "confirmed"
    assert funding.counts() == before


def test_a_refused_withdrawal_without_next_goes_back_to_the_group_page(
    app: Flask, client: FlaskClient, auth: AuthActions, funding: Funding
) -> None:
    ref, pledger, pledge_id = pending_pledge(funding, 900)
    auth.login_as(pledger)
    assert client.post(f"/pledges/{pledge_id}/withdraw").status_code == 302
    before = funding.counts()

    again = client.post(f"/pledges/{pledge_id}/withdraw")  # a second tab's button

    assert again.status_code == 302
    assert again.headers["Location"] == f"/groups/{ref.group_id}"
    shown = client.get(again.headers["Location"]).get_data(as_text=True)
    assert f"Pledge {pledge_id} is already withdrawn: it never counted in the pool." in shown
    assert status_of(app, pledge_id) == "withdrawn"
    assert funding.counts() == before


def test_another_resident_posting_the_withdrawal_is_refused(
    app: Flask, client: FlaskClient, auth: AuthActions, funding: Funding
) -> None:
    ref = funding.group()
    pledge_id = funding.pledge(ref, funding.member(ref), 900, confirm=False)
    auth.login_as(funding.member(ref, admin=True))

    refused = client.post(f"/pledges/{pledge_id}/withdraw")

    assert refused.status_code == 403
    assert status_of(app, pledge_id) == "pending"


@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_the_page_form_needs_its_csrf_token(
    app: Flask, client: FlaskClient, auth: AuthActions, funding: Funding
) -> None:
    _, pledger, pledge_id = pending_pledge(funding, 900)
    auth.login_as(pledger)

    assert client.post(f"/pledges/{pledge_id}/withdraw").status_code == 400
    assert status_of(app, pledge_id) == "pending"
    token = auth.csrf_token()
    assert client.post(f"/pledges/{pledge_id}/withdraw", data={"csrf_token": token}).status_code == 302
    assert status_of(app, pledge_id) == "withdrawn"


def test_a_treasurers_stale_confirmation_says_the_pledge_was_withdrawn(
    app: Flask, client: FlaskClient, auth: AuthActions, funding: Funding
) -> None:
    ref, pledger, pledge_id = pending_pledge(funding, 1100)
    treasurer = funding.member(ref, admin=True)
    assert withdraw(client, pledge_id, auth.headers(pledger)).status_code == 200
    auth.login_as(treasurer)

    for act in ("confirm", "decline"):
        stale = client.post(f"/pledges/{pledge_id}/{act}")
        assert stale.status_code == 302, act
        assert stale.headers["Location"].endswith(f"/pools/{ref.pool_id}/treasurer"), act
        shown = client.get(stale.headers["Location"]).get_data(as_text=True)
        assert f"Pledge {pledge_id} was withdrawn by its pledger" in shown, act
    assert status_of(app, pledge_id) == "withdrawn"
    assert funding.balance(ref).confirmed_cents == 0


def test_a_withdrawn_pledge_does_not_hold_an_account_open(world: RoundWorld, client: FlaskClient) -> None:
    world.build(members=2, costs=(3000, 2000))
    assert world.ref is not None
    leaver = world.members[1]
    pledge_id = world.funding.pledge(world.ref, leaver, 900, confirm=False)
    assert withdraw(client, pledge_id, world.headers(leaver)).status_code == 200
    rid = world.create(by=world.official)["id"]
    world.open_voting(rid)

    deleted = client.delete(
        "/api/v1/account", json={"password": factories.DEFAULT_PASSWORD}, headers=world.headers(leaver)
    )

    assert deleted.status_code in (200, 204), deleted.get_json()
    with world.app.app_context():
        assert db.session.get(Pledge, pledge_id) is None  # not money: removed with the account


@pytest.mark.parametrize(
    ("first", "then", "words"),
    [("confirm", "decline", "was confirmed already"), ("decline", "confirm", "was declined already")],
)
def test_a_treasurers_stale_button_on_a_pledge_settled_meanwhile_says_so_on_the_page(
    app: Flask, client: FlaskClient, auth: AuthActions, funding: Funding, first: str, then: str, words: str
) -> None:
    """Found from outside: two tabs (or two treasurers) on the treasurer page; a pledge confirmed in one
    and declined in the other (or the other way round) gave a bare "Error 409" page."""
    ref, _pledger, pledge_id = pending_pledge(funding, 1100)
    treasurer = funding.member(ref, admin=True)
    auth.login_as(treasurer)
    assert client.post(f"/pledges/{pledge_id}/{first}").status_code == 302
    settled = status_of(app, pledge_id)

    stale = client.post(f"/pledges/{pledge_id}/{then}")

    assert stale.status_code == 302
    assert stale.headers["Location"].endswith(f"/pools/{ref.pool_id}/treasurer")
    shown = client.get(stale.headers["Location"]).get_data(as_text=True)
    assert f"Pledge {pledge_id} {words}" in shown
    assert status_of(app, pledge_id) == settled
    assert funding.balance(ref).confirmed_cents == (1100 if first == "confirm" else 0)
