"""Pledges are rate limited per resident, the API and the group page together, so that one member cannot
flood the treasurer's queue of pending pledges: 429 with Retry-After, nothing stored."""

# ruff: noqa: F811  (fixtures are imported, then requested by name)

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from app.errors import wait_words
from config import Config, from_environment
from tests.conftest import AuthActions
from tests.funding_fixtures import Funding, funding  # noqa: F401

pytestmark = pytest.mark.config(RATELIMIT_ENABLED=True, RATE_LIMIT_PLEDGE="2 per hour")


def by_api(client: FlaskClient, pool_id: int, headers: dict[str, str], key: str) -> Any:
    return client.post(
        f"/api/v1/pools/{pool_id}/pledges",
        json={"amount_cents": 500},
        headers={**headers, "Idempotency-Key": key},
    )


def by_page(client: FlaskClient, group_id: int, key: str) -> Any:
    return client.post(f"/groups/{group_id}/pledge", data={"amount": "5.00", "idempotency_key": key})


def test_pledges_by_api_are_limited_per_resident(
    client: FlaskClient, auth: AuthActions, funding: Funding
) -> None:
    ref = funding.group()
    flooder, neighbour = funding.member(ref), funding.member(ref)
    headers = auth.headers(flooder)

    statuses = [by_api(client, ref.pool_id, headers, f"k{i}").status_code for i in range(2)]
    limited = by_api(client, ref.pool_id, headers, "k3")
    other_resident = by_api(client, ref.pool_id, auth.headers(neighbour), "k1")

    assert statuses == [201, 201]
    assert limited.status_code == 429
    assert limited.get_json()["error"]["code"] == "rate_limited"
    assert 0 < int(limited.headers["Retry-After"]) <= 3600
    assert other_resident.status_code == 201
    assert funding.counts()[0] == 3  # the refused pledge was never stored


def test_the_group_page_and_the_api_share_one_counter(
    client: FlaskClient, auth: AuthActions, funding: Funding
) -> None:
    ref = funding.group()
    member = funding.member(ref)
    api = client.application.test_client()  # a token, no login cookie
    headers = auth.headers(member)
    auth.login_as(member)

    web = by_page(client, ref.group_id, "w1")
    first_api = by_api(api, ref.pool_id, headers, "a1")
    limited_web = by_page(client, ref.group_id, "w2")
    limited_api = by_api(api, ref.pool_id, headers, "a2")

    assert (web.status_code, first_api.status_code) == (302, 201)
    assert limited_web.status_code == 429
    assert limited_web.mimetype == "text/html"
    assert "Retry-After" in limited_web.headers
    assert limited_api.status_code == 429
    assert funding.counts()[0] == 2


def test_the_pledge_limit_is_ten_an_hour_and_read_from_the_environment() -> None:
    assert Config.RATE_LIMIT_PLEDGE == "10 per hour"
    assert from_environment({"RATE_LIMIT_PLEDGE": "5 per hour"}) == {"RATE_LIMIT_PLEDGE": "5 per hour"}
    with pytest.raises(ValueError, match="RATE_LIMIT_PLEDGE must be a rate like"):
        from_environment({"RATE_LIMIT_PLEDGE": "lots"})


def test_the_refusal_page_says_nothing_was_saved_and_how_long_to_wait(
    client: FlaskClient, auth: AuthActions, funding: Funding
) -> None:
    # Found from outside: the page said "wait a little and try again" when the wait was most of an hour.
    ref = funding.group()
    auth.login_as(funding.member(ref))
    for key in ("w1", "w2"):
        assert by_page(client, ref.group_id, key).status_code == 302
    limited = by_page(client, ref.group_id, "w3")

    assert limited.status_code == 429
    page = " ".join(limited.get_data(as_text=True).split())
    minutes = -(-int(limited.headers["Retry-After"]) // 60)
    wait = "an hour" if minutes == 60 else f"{minutes} minutes"
    assert 55 <= minutes <= 60
    assert f"Nothing was saved. Try again in {wait}." in page
    assert "wait a little" not in page
    assert funding.counts()[0] == 2


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (0, "a minute"),
        (59, "a minute"),
        (61, "2 minutes"),
        (3480, "58 minutes"),
        (3600, "an hour"),
        (7300, "2 hours"),
    ],
)
def test_a_wait_reads_in_words(seconds: int, words: str) -> None:
    assert wait_words(seconds) == words


def test_refused_pledges_do_not_use_up_the_limit(
    client: FlaskClient, auth: AuthActions, funding: Funding
) -> None:
    """Found from outside: a member who mistyped amounts a few times was locked out for an hour after
    three real pledges. Only accepted pledges flood the treasurer's queue, so only they count."""
    ref = funding.group()
    headers = auth.headers(funding.member(ref))
    for i in range(4):
        typo = client.post(
            f"/api/v1/pools/{ref.pool_id}/pledges",
            json={"amount_cents": "five"},
            headers={**headers, "Idempotency-Key": f"typo{i}"},
        )
        assert typo.status_code == 422

    statuses = [by_api(client, ref.pool_id, headers, f"k{i}").status_code for i in range(3)]

    assert statuses == [201, 201, 429]
