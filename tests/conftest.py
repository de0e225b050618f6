"""Shared fixtures: the app on SpatiaLite and on a throwaway PostGIS cluster, clients, auth and factories.

Every database test runs once per backend. Quick local leg: `pytest -m "not postgis"` or
COMMONFIX_TEST_BACKENDS=spatialite. Under CI=true the PostGIS leg always runs (never skipped).
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import flask
import flask_migrate
import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from flask_wtf.csrf import generate_csrf
from sqlalchemy import delete, func, select

from app import create_app
from app.extensions import db, limiter
from app.models import Area, Issue, User
from app.photo_stores import init_photo_store
from app.services.accounts.logins import start_login
from config import TestingConfig
from tests import factories
from tests.api_contract import ContractClient
from tests.migrated_databases import MigratedDatabases
from tests.postgis_cluster import PostgisCluster, running_cluster, unavailable_reason
from tests.redis_server import RedisServer
from tests.redis_server import unavailable_reason as redis_unavailable_reason

ROOT = Path(__file__).resolve().parent.parent
BACKENDS = ("spatialite", "postgis")
IN_CI = os.environ.get("CI", "").lower() == "true"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--backend",
        action="append",
        choices=BACKENDS,
        help="run database tests only on this backend (repeatable); env: COMMONFIX_TEST_BACKENDS",
    )


def selected_backends(config: pytest.Config) -> set[str]:
    chosen = config.getoption("--backend") or [
        b.strip() for b in os.environ.get("COMMONFIX_TEST_BACKENDS", "").split(",") if b.strip()
    ]
    unknown = set(chosen) - set(BACKENDS)
    if unknown:
        raise pytest.UsageError(f"unknown backend(s) {sorted(unknown)}; choose from {BACKENDS}")
    if IN_CI and chosen and set(chosen) != set(BACKENDS):
        raise pytest.UsageError("CI=true runs every backend; do not restrict them there")
    return set(chosen or BACKENDS)


# Fixtures that start processes: a test file using one takes a minute or more rather than seconds.
PROCESS_FIXTURES = {"browser", "live_server", "migrated_databases", "redis_server"}


def heavy_files_first(items: list[pytest.Item]) -> list[pytest.Item]:
    """Files with `slow` tests first, then those that start processes, then the rest, each keeping its order.

    `make test` hands whole files to its pytest-xdist workers in collection order (--dist loadfile
    --no-loadscope-reorder): a file of several minutes coming last would leave the other worker idle
    meanwhile, while the many short files at the end even out when the workers finish.
    """
    weight: dict[Path, int] = {}
    for item in items:
        if item.get_closest_marker("slow") is not None:
            weight[item.path] = 0
        elif PROCESS_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            weight[item.path] = min(weight.get(item.path, 1), 1)
    return sorted(items, key=lambda item: weight.get(item.path, 2))  # sorted() is stable


@pytest.hookimpl(trylast=True)  # after pytest grouped the tests by backend
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("PYTEST_XDIST_WORKER"):  # a serial run keeps pytest's order
        items[:] = heavy_files_first(items)
    wanted = selected_backends(config)
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        callspec = getattr(item, "callspec", None)
        backend = callspec.params.get("backend") if callspec else None
        (dropped if backend is not None and backend not in wanted else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


# --- databases -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Database:
    backend: str
    url: str


@pytest.fixture(scope="session")
def postgis_cluster() -> Iterator[PostgisCluster]:
    """One PostGIS cluster for the whole session; skipped only off CI when PostgreSQL is missing."""
    reason = unavailable_reason()
    if reason is not None:
        if IN_CI:
            pytest.fail(f"CI=true requires the PostGIS tests to run, but {reason}", pytrace=False)
        pytest.skip(f"PostGIS tests skipped: {reason} (install postgresql and postgis)")
    with running_cluster() as cluster:
        yield cluster


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """One real redis-server for the whole session; skipped only off CI when it is not installed."""
    reason = redis_unavailable_reason()
    if reason is not None:
        if IN_CI:
            pytest.fail(f"CI=true requires the Redis tests to run, but {reason}", pytrace=False)
        pytest.skip(f"Redis tests skipped: {reason}")
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def migrated_databases(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> MigratedDatabases:
    """Copies of one `flask init-db` database per backend, for tests that serve the app from a process."""
    return MigratedDatabases(request, tmp_path_factory.mktemp("migrated"))


def create_schema(app: Flask) -> None:
    """Bring an empty database to the current schema (the one place that chooses how)."""
    with app.app_context():
        flask_migrate.upgrade()


@pytest.fixture(
    scope="session",
    params=[pytest.param("spatialite"), pytest.param("postgis", marks=pytest.mark.postgis)],
)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def made_databases() -> dict[str, Database]:
    """The `database` of each backend made so far in this session (in this pytest-xdist worker)."""
    return {}


@pytest.fixture(scope="session")
def database(
    backend: str,
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    made_databases: dict[str, Database],
) -> Database:
    """A database of `backend` with the schema created once per session.

    pytest sets a parametrized session fixture up again whenever the next test has the other parameter.
    A serial run orders the tests so that happens once per backend, but a pytest-xdist worker runs the
    files it is sent in turn, so its tests switch backends often: the database made first is reused.
    """
    if backend in made_databases:
        return made_databases[backend]
    if backend == "postgis":
        cluster: PostgisCluster = request.getfixturevalue("postgis_cluster")
        url = cluster.create_database("commonfix")
    else:
        url = "sqlite:///" + str(tmp_path_factory.mktemp("spatialite") / "commonfix.db")
    app = create_app(TestingConfig, {"SQLALCHEMY_DATABASE_URI": url})
    create_schema(app)
    with app.app_context():
        db.engine.dispose()
    made_databases[backend] = Database(backend, url)
    return made_databases[backend]


def empty_tables() -> None:
    """Delete every row of the app's tables, children first; SpatiaLite's own tables are not ours."""
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(delete(table))


# --- the app and its clients ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def shared_apps() -> Iterator[dict[str, Flask]]:
    """One app per database for the tests without extra settings: building an app costs ~0.1 s."""
    apps: dict[str, Flask] = {}
    yield apps
    for app in apps.values():
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def app(
    database: Database, tmp_path: Path, request: pytest.FixtureRequest, shared_apps: dict[str, Flask]
) -> Iterator[Flask]:
    """The app on a clean database holding reference data and the test city.

    Extra settings per test: `@pytest.mark.config(RATELIMIT_ENABLED=True, ...)` (such a test gets its
    own app). Config changed during a test is restored afterwards.
    Forms skip CSRF unless a test sets WTF_CSRF_ENABLED=True (the API always checks cookie sessions).
    """
    per_test = {
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"),  # emails land here as .eml files
    }
    overrides: dict[str, Any] = {}
    for marker in reversed(list(request.node.iter_markers("config"))):
        overrides.update(marker.kwargs)
    base = {"SQLALCHEMY_DATABASE_URI": database.url, "WTF_CSRF_ENABLED": False}
    if overrides:
        app = create_app(TestingConfig, {**base, **per_test, **overrides})
    else:
        if database.url not in shared_apps:
            shared_apps[database.url] = create_app(TestingConfig, {**base, **per_test})
        app = shared_apps[database.url]
    # Every test client of the app checks each /api/v1 response against the OpenAPI document.
    app.test_client_class = ContractClient
    saved = dict(app.config)
    app.config.update(per_test)
    init_photo_store(app)  # this test's upload folder
    # The limiter is one object for every app in this process, and init_app leaves it as the last app
    # configured it: each test gets its own app's setting and empty counters.
    limiter.enabled = bool(app.config["RATELIMIT_ENABLED"])
    if limiter.enabled:  # its storage exists once an app with limits on has been set up
        limiter.reset()
    with app.app_context():
        empty_tables()
        factories.load_city(db.session())
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        if overrides:
            db.engine.dispose()
    app.config.clear()
    app.config.update(saved)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


# --- factories: each commits in its own app context and returns a detached object (columns only) ----


@contextlib.contextmanager
def committing(app: Flask) -> Iterator[None]:
    with app.app_context():
        db.session().expire_on_commit = False
        yield
        db.session.commit()


@pytest.fixture
def make_user(app: Flask) -> Callable[..., User]:
    def make(**kwargs: Any) -> User:
        with committing(app):
            return factories.new_user(db.session(), **kwargs)

    return make


@pytest.fixture
def make_issue(app: Flask) -> Callable[..., Issue]:
    def make(**kwargs: Any) -> Issue:
        with committing(app):
            return factories.new_issue(db.session(), **kwargs)

    return make


@pytest.fixture
def city(app: Flask) -> dict[str, int]:
    """Area ids by name."""
    with app.app_context():
        return {name: area_id for area_id, name in db.session.execute(select(Area.id, Area.name)).tuples()}


@pytest.fixture
def count_rows(app: Flask) -> Callable[..., int]:
    """Rows of a model's table (optionally filtered), read in a fresh context."""

    def count(model: Any, *where: Any) -> int:
        with app.app_context():
            return int(db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0)

    return count


@pytest.fixture
def table_counts(app: Flask) -> Callable[[], dict[str, int]]:
    """Row counts of every app table: compare before and after to prove nothing was stored."""

    def counts() -> dict[str, int]:
        with app.app_context():
            return {
                table.name: int(db.session.scalar(select(func.count()).select_from(table)) or 0)
                for table in db.metadata.sorted_tables
            }

    return counts


@pytest.fixture
def upload_files(app: Flask) -> Callable[[], list[Path]]:
    """The files in the upload folder, sorted."""
    return lambda: sorted(p for p in Path(app.config["UPLOAD_FOLDER"]).rglob("*") if p.is_file())


class AuthActions:
    """Log in through the web form, or get a bearer token through the API."""

    def __init__(self, client: FlaskClient, make_user: Callable[..., User]) -> None:
        self.client = client
        self.make_user = make_user

    def login(self, email: str, password: str = factories.DEFAULT_PASSWORD) -> Any:
        """Log in through the web form (forms skip CSRF unless the test enables it)."""
        return self.client.post("/account/login", data={"email": email, "password": password})

    def login_as(self, user: User) -> None:
        """Start a login for `user` and put it in the client's session, as the login form would."""
        app = self.client.application
        with app.app_context():
            found = db.session.get(User, user.id)
            assert found is not None
            key = start_login(db.session, found, "test client", app.config["LOGIN_LIFETIME"])
            db.session.commit()
        with self.client.session_transaction() as session:
            session["_user_id"] = f"{user.id}:{key}"
            session["_fresh"] = True

    def csrf_token(self) -> str:
        """A valid CSRF token for the client's session (what a page's form or meta tag would carry)."""
        app = self.client.application
        with app.test_request_context():
            token = generate_csrf()
            raw = flask.session[app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")]
        with self.client.session_transaction() as session:
            session["csrf_token"] = raw
        return str(token)

    def logout(self) -> Any:
        return self.client.post("/account/logout")

    def token(self, email: str, password: str = factories.DEFAULT_PASSWORD) -> str:
        response = self.client.post("/api/v1/tokens", json={"email": email, "password": password})
        assert response.status_code == 201, response.get_json()
        return str(response.get_json()["token"])

    def headers(self, user: User | None = None, **user_kwargs: Any) -> dict[str, str]:
        """Bearer headers for `user`, or for a new user built from `user_kwargs`."""
        user = user or self.make_user(**user_kwargs)
        return {"Authorization": f"Bearer {self.token(user.email)}"}


@pytest.fixture
def auth(client: FlaskClient, make_user: Callable[..., User]) -> AuthActions:
    return AuthActions(client, make_user)


@pytest.fixture
def outbox(app: Flask) -> Callable[[], list[EmailMessage]]:
    """The emails written so far by the outbox backend, oldest first."""
    folder = Path(app.config["MAIL_OUTBOX_DIR"])

    def read() -> list[EmailMessage]:
        files = sorted(folder.glob("*.eml"), key=lambda p: (p.stat().st_mtime_ns, p.name))
        return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in files]

    return read
