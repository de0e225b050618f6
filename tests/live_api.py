"""A test's side of a live server (tests/gunicorn_server.py, tests/browser/live_server.py): JSON
calls to its API, a user's token, and the server's database opened beside it, to set it up and to
read what the API does not show."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from sqlalchemy.orm import Session

from app import create_app
from app.extensions import db
from config import TestingConfig
from tests import factories


def call(
    method: str, url: str, body: object = None, headers: dict[str, str] | None = None
) -> tuple[int, dict]:
    """The status and JSON body of one API request."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def api(base: str, method: str, path: str, body: object = None, token: str | None = None) -> Any:
    """The JSON body of an API request that must succeed, as `token`'s user when given."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    status, found = call(method, base + path, body, headers)
    assert status < 400, (method, path, status, found)
    return found


def free_pool(base: str, group_id: int, token: str) -> None:
    """End the round holding a group's pool (a pool runs one round at a time), as the city would:
    a provisional result is sent back, then the round is cancelled (`token`: an official's)."""
    for found in api(base, "GET", f"/api/v1/rounds?group_id={group_id}")["rounds"]:
        provisional = found["phase"] == "tallied" and found["result_status"] != "certified"
        if found["phase"] in ("pledging", "voting") or provisional:
            path = f"/api/v1/rounds/{found['id']}"
            if provisional:
                api(base, "POST", f"{path}/send-back", {"reason": "Makes way for the next round."}, token)
            api(base, "POST", f"{path}/cancellation", {"reason": "Makes way for the next round."}, token)


def api_token(base: str, email: str, password: str = factories.DEFAULT_PASSWORD) -> str:
    """A fresh API token for this user."""
    return str(api(base, "POST", "/api/v1/tokens", {"email": email, "password": password})["token"])


def bearer(base: str, email: str) -> dict[str, str]:
    """The Authorization header of a fresh API token for this user (factories.DEFAULT_PASSWORD)."""
    return {"Authorization": f"Bearer {api_token(base, email)}"}


def post_amounts_at_once(
    endpoint: str, plans: list[list[int]], headers: list[dict[str, str]], state: str
) -> None:
    """User n posts the amounts plans[n] (cents) one after another, each with its own
    Idempotency-Key, every user in a thread of their own at once; each answer must be a 201 whose
    status is `state`."""

    def post_all(n: int) -> None:
        for i, cents in enumerate(plans[n]):
            key = {"Idempotency-Key": f"k{n}-{i}"}
            status, body = call("POST", endpoint, {"amount_cents": cents}, {**headers[n], **key})
            assert (status, body.get("status")) == (201, state), body

    with ThreadPoolExecutor(len(plans)) as pool:
        list(pool.map(post_all, range(len(plans))))


def post_one_key_from_threads(endpoint: str, cents: int, headers: dict[str, str], threads: int = 16) -> None:
    """One Idempotency-Key sent from many threads at once (a resident retrying hard) makes one
    record: one 201, the other answers 200, all with the same id."""

    def post(_: int) -> tuple[int, int]:
        status, body = call("POST", endpoint, {"amount_cents": cents}, {**headers, "Idempotency-Key": "once"})
        return status, body["id"]

    with ThreadPoolExecutor(threads) as pool:
        answers = list(pool.map(post, range(threads)))
    assert sorted(status for status, _ in answers) == [200] * (threads - 1) + [201]
    assert len({record for _, record in answers}) == 1


@contextmanager
def server_database(database_url: str) -> Iterator[Session]:
    """A session on the live server's database, in an app of the test's own; the caller commits.
    The session is removed and its engine disposed afterwards, so no connection outlives it."""
    app = create_app(TestingConfig, {"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        try:
            yield db.session()
        finally:
            db.session.remove()
            db.engine.dispose()
