"""A backup taken during a burst of likes and pledges (real gunicorn, real HTTP) restores, into a fresh
database, exactly the moment it copied: every row and cent, likes equal to the issues' counters, each
resident's writes a prefix of what they sent, the ledger balanced; on a SQLite file and on PostGIS."""

from __future__ import annotations

import io
import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from flask import Flask
from PIL import Image
from sqlalchemy import func, select

from app import create_app
from app.backups.manifest import summarise
from app.extensions import db
from app.models import Issue, LedgerLine, LedgerPosting, Like, Photo, Pledge
from app.services.accounts import users as accounts
from app.services.funding import groups, ledger
from app.services.funding.transparency import check_ledger
from config import TestingConfig
from tests import factories
from tests.browser.live_server import server_env
from tests.flask_cli import flask_cli
from tests.gunicorn_server import gunicorn
from tests.migrated_databases import MigratedDatabases
from tests.ports import free_port
from tests.testcity import OLD_TOWN

RESIDENTS = 6
ISSUES = 25
WRITES_BEFORE_BACKUP = 30
WRITES_AFTER_BACKUP = 12  # per resident, once the backup has finished
DEADLINE_S = 240
TIMEOUT_S = 60

pytestmark = pytest.mark.slow


@dataclass
class Resident:
    token: str
    user_id: int
    # What this resident sent, in order, each answered before the next: ("like", issue id) or
    # ("pledge", idempotency key, cents).
    sent: list[tuple[object, ...]] = field(default_factory=list)


@dataclass(frozen=True)
class City:
    env: dict[str, str]
    pool_id: int
    issue_ids: list[int]
    residents: list[Resident]


def app_on(database_url: str, uploads: Path) -> Flask:
    return create_app(TestingConfig, {"SQLALCHEMY_DATABASE_URI": database_url, "UPLOAD_FOLDER": str(uploads)})


def prepare(env: dict[str, str]) -> City:
    """The test city, a group whose pool takes pledges, residents in it with tokens, issues to like."""
    app = app_on(env["DATABASE_URL"], Path(env["UPLOAD_FOLDER"]))
    with app.app_context():
        session = db.session()
        factories.load_city(session)
        group = groups.create_group(
            db.session, None, groups.area_id_by_name(db.session, "Old Town"), "Backup club"
        )
        residents = []
        for _ in range(RESIDENTS):
            user = factories.new_user(session)
            groups.join(db.session, user, group.id)
            token = accounts.issue_token(session, user, app.config["API_TOKEN_TTL"]).token
            residents.append(Resident(token, user.id))
        issue_ids = [factories.new_issue(session).id for _ in range(ISSUES)]
        pool_id = groups.get_group_row(db.session, group.id).pool_id
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return City(env, pool_id, issue_ids, residents)


@pytest.fixture(params=[pytest.param("spatialite"), pytest.param("postgis", marks=pytest.mark.postgis)])
def city(
    request: pytest.FixtureRequest, tmp_path: Path, migrated_databases: MigratedDatabases
) -> tuple[City, str]:
    env = server_env(tmp_path / "live")
    (tmp_path / "live").mkdir()
    env["PAYMENT_PROVIDER"] = "test"  # a pledge is confirmed money at once: a ledger posting per pledge
    migrated_databases.new(request.param, env, f"backup_live_{free_port()}")
    if request.param == "postgis":
        cluster = request.getfixturevalue("postgis_cluster")
        fresh = cluster.create_database(f"backup_fresh_{free_port()}")
    else:
        fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    return prepare(env), fresh


def photo_bytes(shade: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (shade, 80, 120)).save(out, format="JPEG")
    return out.getvalue()


def report_with_photo(url: str, token: str, shade: int) -> None:
    response = requests.post(
        f"{url}/api/v1/issues",
        data={**OLD_TOWN.latlon, "category": "dumping", "title": f"Sofa {shade}", "description": "Again."},
        files={"photo": ("photo.jpg", photo_bytes(shade), "image/jpeg")},
        headers={"Authorization": f"Bearer {token}"},
        timeout=TIMEOUT_S,
    )
    assert response.status_code == 201, response.text


class Burst:
    """Each resident's thread likes the issues one by one and pledges in between, until the backup has
    finished and it has written WRITES_AFTER_BACKUP more times."""

    def __init__(self, url: str, city: City) -> None:
        self.url = url
        self.city = city
        self.written = 0
        self.lock = threading.Lock()
        self.backup_done = threading.Event()
        self.failures: list[str] = []

    def write(self, http: requests.Session, resident: Resident, n: int) -> None:
        headers = {"Authorization": f"Bearer {resident.token}"}
        if n % 2 == 0 and n // 2 < ISSUES:
            issue_id = self.city.issue_ids[n // 2]
            response = http.post(
                f"{self.url}/api/v1/issues/{issue_id}/like", headers=headers, timeout=TIMEOUT_S
            )
            assert (response.status_code, response.json().get("liked")) == (200, True), response.text
            resident.sent.append(("like", issue_id))
        else:
            key, cents = f"r{resident.user_id}-{n}", 100 + (n * 37 + resident.user_id) % 900
            response = http.post(
                f"{self.url}/api/v1/pools/{self.city.pool_id}/pledges",
                json={"amount_cents": cents},
                headers={**headers, "Idempotency-Key": key},
                timeout=TIMEOUT_S,
            )
            assert (response.status_code, response.json().get("status")) == (201, "confirmed"), response.text
            resident.sent.append(("pledge", key, cents))
        with self.lock:
            self.written += 1

    def run(self, resident: Resident) -> None:
        deadline = time.monotonic() + DEADLINE_S
        try:
            with requests.Session() as http:
                n = 0
                while not self.backup_done.is_set():
                    assert time.monotonic() < deadline, "the backup did not finish in time"
                    self.write(http, resident, n)
                    n += 1
                for _ in range(WRITES_AFTER_BACKUP):
                    self.write(http, resident, n)
                    n += 1
        except Exception as exc:  # reported by the test, with the resident
            self.failures.append(f"resident {resident.user_id}: {exc!r}")
            self.backup_done.set()


def likes_and_pledges(database_url: str) -> tuple[int, int]:
    app = app_on(database_url, Path("/nonexistent"))
    with app.app_context():
        likes = db.session.scalar(select(func.count()).select_from(Like))
        pledges = db.session.scalar(select(func.count()).select_from(Pledge))
        db.session.remove()
        db.engine.dispose()
    return int(likes or 0), int(pledges or 0)


def test_a_backup_taken_during_a_burst_restores_exactly_its_moment(
    city: tuple[City, str], tmp_path: Path
) -> None:
    live, fresh_url = city
    backup_dir = tmp_path / "backup"
    with gunicorn(live.env, tmp_path / "server.log", workers=2, threads=4) as url:
        for shade in (10, 200):
            report_with_photo(url, live.residents[0].token, shade)
        before = likes_and_pledges(live.env["DATABASE_URL"])
        burst = Burst(url, live)
        threads = [threading.Thread(target=burst.run, args=(r,)) for r in live.residents]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + DEADLINE_S
        while burst.written < WRITES_BEFORE_BACKUP and not burst.failures:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        backup = flask_cli(live.env, "backup", str(backup_dir))
        burst.backup_done.set()
        for thread in threads:
            thread.join(timeout=DEADLINE_S)
        assert not burst.failures, burst.failures
        assert backup.returncode == 0, backup.stdout + backup.stderr
    after = likes_and_pledges(live.env["DATABASE_URL"])

    manifest = json.loads((backup_dir / "manifest.json").read_text())
    taken = (manifest["tables"]["likes"], manifest["tables"]["pledges"])
    # The copy is of a moment inside the burst: writes before it, and pledges after it that it lacks
    # (every resident pledged again once it had finished; likes may have run out of issues by then).
    assert before[0] < taken[0] <= after[0], (before, taken, after)
    assert before[1] < taken[1] < after[1], (before, taken, after)

    fresh_env = {**live.env, "DATABASE_URL": fresh_url, "UPLOAD_FOLDER": str(tmp_path / "fresh-uploads")}
    restored = flask_cli(fresh_env, "restore", str(backup_dir))
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "ledger OK" in restored.stdout
    checked = flask_cli(fresh_env, "ledger-check")
    assert checked.returncode == 0, checked.stdout + checked.stderr

    app = app_on(fresh_url, tmp_path / "fresh-uploads")
    with app.app_context():
        with db.engine.connect() as connection:
            found = summarise(connection)
        # Every table holds the rows the manifest counted at the moment of the copy, the sums agree.
        assert found["tables"] == manifest["tables"]
        assert found["ledger"] == manifest["ledger"]
        assert found["schema_revision"] == manifest["schema_revision"]
        # Likes equal the issues' counters, issue by issue.
        per_issue = dict(
            db.session.execute(select(Like.issue_id, func.count()).group_by(Like.issue_id)).tuples().all()
        )
        counters = dict(db.session.execute(select(Issue.id, Issue.likes_count)).tuples().all())
        assert {i: n for i, n in counters.items() if n} == per_issue
        # Each resident's writes answered one after another: a snapshot holds a prefix of them.
        liked = set(db.session.execute(select(Like.user_id, Like.issue_id)).tuples().all())
        pledged = {
            key: cents
            for key, cents in db.session.execute(
                select(Pledge.idempotency_key, Pledge.amount_cents).where(Pledge.status == "confirmed")
            ).tuples()
        }
        assert len(pledged) == manifest["tables"]["pledges"]
        for resident in live.residents:
            present = [
                (resident.user_id, op[1]) in liked if op[0] == "like" else pledged.get(str(op[1])) == op[2]
                for op in resident.sent
            ]
            held = present.count(True)
            assert present == [True] * held + [False] * (len(present) - held), resident.user_id
        # Every cent: the pool holds exactly the restored pledges, every posting balances.
        assert ledger.pool_balance(db.session, live.pool_id).balance_cents == sum(pledged.values())
        posting_sums = db.session.execute(
            select(LedgerLine.posting_id, func.sum(LedgerLine.amount_cents)).group_by(LedgerLine.posting_id)
        ).all()
        assert len(posting_sums) == db.session.scalar(select(func.count()).select_from(LedgerPosting))
        assert all(total == 0 for _, total in posting_sums)
        assert check_ledger(db.session)[0] is None
        photos = list(db.session.scalars(select(Photo.filename)))
        db.session.remove()
        db.engine.dispose()

    assert len(photos) == 2
    for name in photos:
        original = Path(live.env["UPLOAD_FOLDER"]) / name
        assert (tmp_path / "fresh-uploads" / name).read_bytes() == original.read_bytes()
