"""Fault tests: rate limits shared through Redis by two gunicorn servers (2 workers each) on one database.

Every request goes over a fresh connection, alternating between the two servers (so between four worker
processes) and, where there are two, between the web form and the JSON API. The servers get small limits
through their environment. Redis is the session's real throwaway redis-server: one test stops it and
starts it again on the same port.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
import requests
from flask import Flask

from app.extensions import db
from app.models import User
from app.services.accounts import users as accounts
from tests import factories
from tests.conftest import Database
from tests.gunicorn_server import gunicorn
from tests.redis_server import RedisServer

LOGIN_LIMIT = 10  # per account named, 15 minutes
ADDRESS_LIMIT = 30  # login attempts per address, 15 minutes
LIKE_LIMIT = 10  # per resident, 15 minutes: no window ends during a test
REDIS_DB = 3  # the limits' own database on the shared test server
TIMEOUT_S = 30

# The limits do not depend on the database engine: one shared SQLite file serves both servers.
pytestmark = [pytest.mark.slow, pytest.mark.parametrize("backend", ["spatialite"], indirect=True)]

CSRF_FIELD = re.compile(r'name="csrf-token" content="([^"]+)"')  # base.html's meta tag


@dataclass(frozen=True)
class Servers:
    urls: tuple[str, str]
    redis: RedisServer
    logs: tuple[Path, Path]

    def unhandled_errors(self) -> list[str]:
        """Lines where a worker logged an error the app did not handle (a 500)."""
        return [
            line for log in self.logs for line in log.read_text().splitlines() if "Unhandled error" in line
        ]

    def url(self, i: int) -> str:
        """The server for the i-th request: they alternate."""
        return self.urls[i % 2]


@pytest.fixture(scope="module")
def servers(
    database: Database, redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Servers]:
    workdir = tmp_path_factory.mktemp("shared-limits")
    env = {
        **os.environ,
        # Production's session cookie is Secure, which a client sends only over https; these servers
        # speak plain http on the loopback, so they run the development settings with these overrides.
        "COMMONFIX_ENV": "development",
        "DATABASE_URL": database.url,
        "SECRET_KEY": "shared-limits-test-not-secret",  # one key: a session from one server works on both
        "UPLOAD_FOLDER": str(workdir / "uploads"),
        "MAIL_BACKEND": "outbox",
        "MAIL_OUTBOX_DIR": str(workdir / "outbox"),
        "QUEUE_URL": "memory://",
        "RATELIMIT_ENABLED": "true",
        "RATELIMIT_STORAGE_URI": redis_server.url(REDIS_DB),
        "RATE_LIMIT_LOGIN": f"{LOGIN_LIMIT} per 15 minutes",
        "RATE_LIMIT_LOGIN_ADDRESS": f"{ADDRESS_LIMIT} per 15 minutes",
        "RATE_LIMIT_LIKE": f"{LIKE_LIMIT} per 15 minutes",
    }
    logs = (workdir / "first.log", workdir / "second.log")
    with gunicorn(env, logs[0], workers=2) as first, gunicorn(env, logs[1], workers=2) as second:
        yield Servers((first, second), redis_server, logs)


@pytest.fixture
def shared(servers: Servers, app: Flask) -> Servers:
    """The servers with empty counters (and the database emptied by `app`)."""
    if servers.redis.process is None:  # a failed outage test left it stopped
        servers.redis.start()
    with redis.Redis.from_url(servers.redis.url(REDIS_DB)) as client:
        client.flushdb()
    return servers


def csrf_token(http: requests.Session, url: str) -> str:
    page = http.get(url, timeout=TIMEOUT_S)
    assert page.status_code == 200, page.text[:500]
    found = CSRF_FIELD.search(page.text)
    assert found, "no CSRF token on " + url
    return found.group(1)


def web_login(
    base: str, email: str, password: str, http: requests.Session | None = None
) -> requests.Response:
    """The login form as a browser sends it: load the page (its CSRF token), post it."""
    with requests.Session() if http is None else http as browser:
        token = csrf_token(browser, base + "/account/login")
        return browser.post(
            base + "/account/login",
            data={"email": email, "password": password, "csrf_token": token},
            allow_redirects=False,
            timeout=TIMEOUT_S,
        )


def api_login(base: str, email: str, password: str) -> requests.Response:
    return requests.post(
        base + "/api/v1/tokens", json={"email": email, "password": password}, timeout=TIMEOUT_S
    )


def run_all(jobs: list[Callable[[], requests.Response]], threads: int = 6) -> list[requests.Response]:
    with ThreadPoolExecutor(max_workers=threads) as pool:
        return [f.result(timeout=TIMEOUT_S * 4) for f in [pool.submit(job) for job in jobs]]


def assert_limited(response: requests.Response, window_s: int = 15 * 60) -> None:
    """A 429 with Retry-After: an HTML page for the web, the JSON error for the API."""
    assert response.status_code == 429, (response.status_code, response.text[:300])
    assert 0 < int(response.headers["Retry-After"]) <= window_s
    if "/api/" in response.url:
        assert response.json()["error"]["code"] == "rate_limited"
    else:
        assert response.headers["Content-Type"].startswith("text/html")
        assert "Too many requests" in response.text


def new_user(app: Flask) -> User:
    with app.app_context():
        db.session().expire_on_commit = False
        user = factories.new_user(db.session())
        db.session.commit()
        return user


def token_of(app: Flask, user: User) -> str:
    with app.app_context():
        issued = accounts.issue_token(
            db.session(), db.session.get(User, user.id), app.config["API_TOKEN_TTL"]
        )
        db.session.commit()
        return issued.token


def new_issue_id(app: Flask) -> int:
    with app.app_context():
        issue = factories.new_issue(db.session())
        db.session.commit()
        return issue.id


def test_sixty_wrong_passwords_for_one_account_through_both_servers_and_doors_are_limited_exactly(
    shared: Servers, app: Flask
) -> None:
    user = new_user(app)

    def attempt(i: int) -> Callable[[], requests.Response]:
        door = web_login if i % 4 < 2 else api_login
        return lambda: door(shared.url(i), user.email, "wrong-password")

    responses = run_all([attempt(i) for i in range(60)])

    accepted = [r for r in responses if r.status_code != 429]
    assert len(accepted) == LOGIN_LIMIT, [r.status_code for r in responses]
    assert {r.status_code for r in accepted} <= {401, 422}  # a wrong password, answered
    for limited in (r for r in responses if r.status_code == 429):
        assert_limited(limited)
    assert {r.url.split("/")[2] for r in responses if r.status_code == 429} == {
        u.split("/")[2] for u in shared.urls
    }
    # The account stays refused on both doors, even with the right password.
    assert_limited(api_login(shared.urls[0], user.email, factories.DEFAULT_PASSWORD))
    assert_limited(web_login(shared.urls[1], user.email, factories.DEFAULT_PASSWORD))


def test_one_address_trying_many_accounts_is_limited_exactly_across_servers_and_doors(
    shared: Servers, app: Flask
) -> None:
    user = new_user(app)

    def attempt(i: int) -> Callable[[], requests.Response]:
        door = web_login if i % 4 < 2 else api_login
        return lambda: door(shared.url(i), f"nobody{i}@example.org", "wrong-password")

    responses = run_all([attempt(i) for i in range(ADDRESS_LIMIT + 10)])

    assert sum(r.status_code != 429 for r in responses) == ADDRESS_LIMIT
    for limited in (r for r in responses if r.status_code == 429):
        assert_limited(limited)
    # The address is spent for every account, the right password included.
    assert_limited(api_login(shared.urls[1], user.email, factories.DEFAULT_PASSWORD))


def like_requests(
    shared: Servers, token: str, issue_id: int, count: int
) -> list[Callable[[], requests.Response]]:
    """Likes and unlikes in turn, alternating servers, each on a fresh connection."""
    headers = {"Authorization": f"Bearer {token}"}

    def send(i: int) -> Callable[[], requests.Response]:
        url = f"{shared.url(i)}/api/v1/issues/{issue_id}/like"
        if i % 4 < 2:
            return lambda: requests.post(url, headers=headers, timeout=TIMEOUT_S)
        return lambda: requests.delete(url, headers=headers, timeout=TIMEOUT_S)

    return [send(i) for i in range(count)]


def test_likes_are_limited_exactly_across_workers_servers_and_doors(shared: Servers, app: Flask) -> None:
    user = new_user(app)
    token = token_of(app, user)
    issue_id = new_issue_id(app)
    browser = requests.Session()  # the web door: logged in through the form on the first server
    login = web_login(shared.urls[0], user.email, factories.DEFAULT_PASSWORD, browser)
    assert login.status_code == 302, login.text[:300]
    page_token = csrf_token(browser, f"{shared.urls[1]}/issues/{issue_id}")  # the session works on both
    cookies = browser.cookies.get_dict()

    def web_like(i: int) -> Callable[[], requests.Response]:
        url = f"{shared.url(i)}/issues/{issue_id}/" + ("like" if i % 2 else "unlike")
        return lambda: requests.post(
            url, data={"csrf_token": page_token}, cookies=cookies, allow_redirects=False, timeout=TIMEOUT_S
        )

    jobs = like_requests(shared, token, issue_id, 30) + [web_like(i) for i in range(10)]
    responses = run_all(jobs)

    accepted = [r for r in responses if r.status_code != 429]
    assert len(accepted) == LIKE_LIMIT, [r.status_code for r in responses]
    assert {r.status_code for r in accepted} <= {200, 302}
    for limited in (r for r in responses if r.status_code == 429):
        assert_limited(limited)


def test_pages_answer_while_redis_is_stopped_and_limits_are_shared_again_once_it_is_back(
    shared: Servers, app: Flask
) -> None:
    issue_id = new_issue_id(app)
    pages = ["/", "/account/login", "/api/v1/health", f"/issues/{issue_id}", f"/api/v1/issues/{issue_id}"]
    user = new_user(app)
    token = token_of(app, user)

    shared.redis.stop()
    try:
        for base in shared.urls:
            for page in pages:
                response = requests.get(base + page, timeout=TIMEOUT_S)
                assert response.status_code == 200, (page, response.status_code)
        # Limited writes answer too, and are still limited, per worker process (four of them) meanwhile.
        logins = run_all([lambda i=i: api_login(shared.url(i), user.email, "wrong") for i in range(8)])
        likes = run_all(like_requests(shared, token, issue_id, 60))
    finally:
        shared.redis.start()

    assert {r.status_code for r in logins} <= {401, 429}
    assert {r.status_code for r in likes} <= {200, 429}
    assert LIKE_LIMIT <= sum(r.status_code == 200 for r in likes) <= 4 * LIKE_LIMIT

    # Each worker pings Redis again after 1, 2, 4 ... s: soon every one counts in Redis again, so a new
    # resident's likes are limited exactly once more, across all four workers (twice in a row).
    deadline = time.monotonic() + 90
    rounds: list[int] = []
    while rounds[-2:] != [LIKE_LIMIT, LIKE_LIMIT] and time.monotonic() < deadline:
        fresh = token_of(app, new_user(app))
        rounds.append(sum(send().status_code == 200 for send in like_requests(shared, fresh, issue_id, 30)))
        time.sleep(0.5)
    assert rounds[-2:] == [LIKE_LIMIT, LIKE_LIMIT], f"likes accepted per round once Redis was back: {rounds}"
    with redis.Redis.from_url(shared.redis.url(REDIS_DB)) as client:
        assert client.keys("LIMITS*"), "the counters are in Redis again"
    for base in shared.urls:
        assert requests.get(base + "/", timeout=TIMEOUT_S).status_code == 200
    assert shared.unhandled_errors() == []
    assert "Rate limit storage unreachable" in "".join(log.read_text() for log in shared.logs)
