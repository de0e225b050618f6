"""A payout above what remains is refused, and a payout is recorded once however often its request
arrives: the API's Idempotency-Key and the payout form's request key (found from outside: six
parallel POSTs of one EUR 25.00 payout on a EUR 60.00 problem recorded two, and a double click on the
form pays twice). Both engines; the real-server race is in test_round_concurrency.py."""

# ruff: noqa: F811  (fixtures are imported, then requested by name)

from __future__ import annotations

import re

from sqlalchemy import select

from app.extensions import db
from app.models import Payout
from tests.funding.round_world import RoundWorld, world  # noqa: F401
from tests.funding.test_payouts import funded_issue, ledger_ok, payout_body, stored
from tests.funding.test_payouts import pay as pay_api
from tests.funding_fixtures import funding  # noqa: F401

REQUEST_KEY = re.compile(r'name="request_key" type="hidden" value="([^"]+)"')


def pay(world: RoundWorld, issue_id: int, key: str | None, **changes: object) -> tuple[int, dict]:
    assert world.official is not None
    headers = world.headers(world.official)
    if key is not None:
        headers["Idempotency-Key"] = key
    response = world.client.post(
        f"/api/v1/issues/{issue_id}/payouts", json=payout_body(**changes), headers=headers
    )
    return response.status_code, {
        **response.get_json(),
        "replayed": response.headers.get("Idempotent-Replayed"),
    }


def test_a_retry_with_the_same_key_is_the_same_payout(world: RoundWorld) -> None:
    issue_id = funded_issue(world)

    first = pay(world, issue_id, "invoice-42-once")
    after_first = stored(world)
    again = pay(world, issue_id, "invoice-42-once")

    assert (first[0], again[0]) == (201, 200)
    assert again[1]["id"] == first[1]["id"]
    assert (first[1]["replayed"], again[1]["replayed"]) == (None, "true")
    assert stored(world) == after_first  # no second payout, posting or audit entry
    ledger_ok(world)


def test_the_same_key_for_another_payout_is_refused_and_nothing_is_stored(world: RoundWorld) -> None:
    issue_id = funded_issue(world)
    assert pay(world, issue_id, "k-1")[0] == 201
    before = stored(world)

    status, body = pay(world, issue_id, "k-1", amount_cents=400)

    assert status == 409
    assert body["error"]["field"] == "Idempotency-Key"
    assert stored(world) == before


def test_without_a_key_each_request_is_a_payout(world: RoundWorld) -> None:
    """The key is optional, as API clients written before it expect: two requests, two payouts."""
    issue_id = funded_issue(world)

    assert [pay(world, issue_id, None, amount_cents=1000)[0] for _ in range(2)] == [201, 201]
    with world.app.app_context():
        assert len(db.session.scalars(select(Payout).where(Payout.issue_id == issue_id)).all()) == 2


def test_a_bad_key_names_the_header(world: RoundWorld) -> None:
    issue_id = funded_issue(world)
    before = stored(world)

    status, body = pay(world, issue_id, "two words")

    assert (status, body["error"]["field"]) == (422, "Idempotency-Key")
    assert stored(world) == before


def test_the_payout_form_sent_twice_records_one_payout(world: RoundWorld) -> None:
    issue_id = funded_issue(world)
    assert world.official is not None
    world.auth.login_as(world.official)
    page = world.client.get(f"/issues/{issue_id}").get_data(as_text=True)
    found = REQUEST_KEY.search(page)
    assert found is not None
    form = {
        "payee_kind": "contractor",
        "payee_name": "Green Streets Ltd",
        "amount": "25.00",
        "invoice_ref": "INV-7",
        "paid_on": payout_body()["paid_on"],
        "request_key": found.group(1),
        "confirm": "yes",
    }

    first = world.client.post(f"/staff/issues/{issue_id}/payouts", data=form, follow_redirects=True)
    second = world.client.post(f"/staff/issues/{issue_id}/payouts", data=form, follow_redirects=True)

    assert "Payout of EUR 25.00 to Green Streets Ltd recorded." in first.get_data(as_text=True)
    assert "This payout of EUR 25.00 was recorded already" in second.get_data(as_text=True)
    with world.app.app_context():
        paid = db.session.scalars(select(Payout.amount_cents).where(Payout.issue_id == issue_id)).all()
    assert paid == [2500]
    # The next drawing of the form has a new key: a second, deliberate payout is recorded.
    fresh = REQUEST_KEY.search(world.client.get(f"/issues/{issue_id}").get_data(as_text=True))
    assert fresh is not None
    assert fresh.group(1) != found.group(1)
    ledger_ok(world)


def test_the_payout_form_sent_again_with_other_details_says_what_stands(world: RoundWorld) -> None:
    """Recorded, then the browser's Back, another amount and send: the first payout stands, in words
    an official reads (not the API's header name), and nothing else is recorded."""
    issue_id = funded_issue(world)
    assert world.official is not None
    world.auth.login_as(world.official)
    found = REQUEST_KEY.search(world.client.get(f"/issues/{issue_id}").get_data(as_text=True))
    assert found is not None
    form = {
        "payee_kind": "contractor",
        "payee_name": "Green Streets Ltd",
        "amount": "25.00",
        "invoice_ref": "INV-8",
        "paid_on": payout_body()["paid_on"],
        "request_key": found.group(1),
        "confirm": "yes",
    }
    assert world.client.post(f"/staff/issues/{issue_id}/payouts", data=form).status_code == 302
    before = stored(world)

    again = world.client.post(
        f"/staff/issues/{issue_id}/payouts", data={**form, "amount": "30.00"}, follow_redirects=True
    )

    page = again.get_data(as_text=True)
    assert "This form recorded a payout already" in page
    assert "Idempotency-Key" not in page
    assert stored(world) == before


def test_a_payout_above_what_remains_is_refused_and_nothing_is_stored(world: RoundWorld) -> None:
    issue_id = funded_issue(world)
    assert pay_api(world, issue_id, amount_cents=2000).status_code == 201
    before = stored(world)
    response = pay_api(world, issue_id, amount_cents=1001)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["field"] == "amount_cents"
    assert "The amount, EUR 10.01, is more than the EUR 10.00 that remains" in error["message"]
    assert "EUR 10.00" in error["message"]
    assert stored(world) == before
    assert pay_api(world, issue_id, amount_cents=1000).status_code == 201
    ledger_ok(world)
