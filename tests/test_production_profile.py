"""The production profile (`make run-production` = `python -m ops.production`) starts for real on this
machine: a PostgreSQL + PostGIS cluster and Redis under its folder, the migrated database with the demo
city, gunicorn answering, the worker on Redis, rate limits counted in Redis; Ctrl-C stops everything;
a second start keeps the data and the secret and loads nothing again."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import redis
import requests

from app.jobs.worker import READY_LINE
from ops.production import READY
from tests.conftest import IN_CI
from tests.flask_cli import flask_cli
from tests.gunicorn_server import ROOT
from tests.ports import free_port
from tests.postgis_cluster import PostgisCluster, find_bin_dir, service_account, unavailable_reason
from tests.redis_server import unavailable_reason as redis_unavailable_reason

STARTUP_S = 300

pytestmark = [pytest.mark.slow, pytest.mark.postgis]


@pytest.fixture
def folder() -> Iterator[Path]:
    """The profile's folder; under /tmp and searchable, since the cluster runs as 'postgres' under root."""
    for reason in (unavailable_reason(), redis_unavailable_reason()):
        if reason is not None:
            if IN_CI:
                pytest.fail(
                    f"CI=true requires the production profile test to run, but {reason}", pytrace=False
                )
            pytest.skip(reason)
    path = Path(tempfile.mkdtemp(prefix="commonfix-production-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


class Profile:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port, self.pg_port, self.redis_port = free_port(), free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.log = folder / "profile.log"

    def options(self) -> list[str]:
        return [
            "--dir",
            str(self.folder),
            "--port",
            str(self.port),
            "--pg-port",
            str(self.pg_port),
            "--redis-port",
            str(self.redis_port),
        ]

    def start(self, *extra: str) -> None:
        env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DATABASE_URL", "PUBLIC_URL"}}
        command = [sys.executable, "-m", "ops.production", *self.options(), "--web-workers", "1", *extra]
        self.log.write_bytes(b"")
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
            )
        self.wait_for(READY)
        self.wait_for(READY_LINE)

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, line: str) -> None:
        assert self.process is not None
        deadline = time.monotonic() + STARTUP_S
        while line not in self.text():
            assert self.process.poll() is None, f"the profile exited:\n{self.text()[-4000:]}"
            assert time.monotonic() < deadline, f"no {line!r} within {STARTUP_S} s:\n{self.text()[-4000:]}"
            time.sleep(0.3)

    def interrupt(self) -> int:
        """Ctrl-C, as a terminal sends it to the script."""
        assert self.process is not None
        self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise

    def issues(self) -> int:
        return self.count("SELECT count(*) FROM issues")

    def users(self, email: str) -> int:
        return self.count("SELECT count(*) FROM users WHERE email = %s", email)

    def count(self, query: str, *params: object) -> int:
        password = (self.folder / "postgres_password").read_text().strip()
        with psycopg.connect(
            host="127.0.0.1", port=self.pg_port, user="postgres", password=password, dbname="commonfix"
        ) as conn:
            row = conn.execute(query, params).fetchone()  # type: ignore[arg-type]
            return int(row[0]) if row else -1


def cluster_of(folder: Path) -> PostgisCluster:
    """The profile's cluster, as a handle to stop it by hand (it is the profile that starts it)."""
    return PostgisCluster(
        bin_dir=find_bin_dir() or Path("/nonexistent"), root=folder / "postgres", account=service_account()
    )


def listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_the_production_profile_starts_serves_and_stops(folder: Path) -> None:
    profile = Profile(folder)
    try:
        profile.start("--demo")
        assert requests.get(profile.url + "/api/v1/health", timeout=30).json() == {"status": "ok"}
        assert profile.issues() == 320  # the empty database got the demo city it was asked for
        log = profile.text()
        assert "generated a SECRET_KEY into" in log
        assert "queue RedisStorage" in log  # the worker consumes the Redis queue
        for secret in (
            "secret_key",
            "postgres_password",
            "app_password",
            "redis_password",
            "redis/redis.conf",
        ):
            assert stat.S_IMODE((folder / secret).stat().st_mode) == 0o600
        assert stat.S_IMODE((folder / "redis").stat().st_mode) == 0o700  # its append-only file: queued mail
        # Redis answers only with its password: the queue's tasks are pickles the worker runs.
        with redis.Redis(port=profile.redis_port) as stranger, pytest.raises(redis.AuthenticationError):
            stranger.ping()
        password = (folder / "redis_password").read_text().strip()
        assert password not in profile.text()
        with redis.Redis(port=profile.redis_port, db=1, password=password) as limits:
            before = limits.dbsize()
            response = requests.post(
                profile.url + "/api/v1/tokens",
                json={"email": "resident1@demo.commonfix.org", "password": "wrong-password"},
                timeout=30,
            )
            assert response.status_code == 401, response.text
            assert limits.dbsize() > before  # the login limit is counted in Redis, shared by every worker
        # gunicorn and the worker log in as the app's role, never as the superuser
        logins = "SELECT count(*) FROM pg_stat_activity WHERE datname = 'commonfix' AND usename = %s"
        assert profile.count(logins, "commonfix_app") >= 2
        assert profile.count(logins + " AND pid <> pg_backend_pid()", "postgres") == 0
        assert "commonfix_app may read and write" in log
        app_login = {"host": "127.0.0.1", "port": profile.pg_port, "user": "commonfix_app"}
        app_login["password"] = (folder / "app_password").read_text().strip()
        for elsewhere in ("postgres", "template1"):  # the cluster's other databases are the superuser's
            with pytest.raises(psycopg.OperationalError, match="permission denied"):
                psycopg.connect(**app_login, dbname=elsewhere).close()
    finally:
        code = profile.interrupt() if profile.process else 0
    assert code == 0, profile.text()[-3000:]
    assert "[production] stopped" in profile.text()
    assert not any(listening(port) for port in (profile.port, profile.pg_port, profile.redis_port))

    secret = (folder / "secret_key").read_text()
    again = Profile(folder)
    try:
        again.start()
        assert again.issues() == 320
        assert "loading the demo city" not in again.text()
        assert "generated" not in again.text()
    finally:
        assert again.interrupt() == 0, again.text()[-3000:]
    assert (folder / "secret_key").read_text() == secret


def test_a_killed_worker_is_started_again_while_the_web_serves_on(folder: Path) -> None:
    """Found from outside: the worker killed (the OOM killer on a large tally) stopped everything, the
    web included, until a service manager started the whole again."""
    profile = Profile(folder)
    try:
        profile.start()
        first = re.search(r"Huey consumer started with \d+ thread, PID (\d+)", profile.text())
        assert first is not None, profile.text()[-3000:]
        os.kill(int(first.group(1)), signal.SIGKILL)
        profile.wait_for("worker exited with code -9; starting it again in 1 s")
        assert requests.get(profile.url + "/api/v1/health", timeout=30).status_code == 200
        deadline = time.monotonic() + STARTUP_S
        while profile.text().count(READY_LINE) < 2:
            assert time.monotonic() < deadline, profile.text()[-3000:]
            time.sleep(0.3)
        pids = re.findall(r"Huey consumer started with \d+ thread, PID (\d+)", profile.text())
        assert len(set(pids)) == len(pids) == 2
        assert Path(f"/proc/{pids[1]}").exists()
        assert "stopping everything" not in profile.text()
    finally:
        code = profile.interrupt() if profile.process else 0
    assert code == 0, profile.text()[-3000:]
    assert "[production] stopped" in profile.text()
    assert not Path(f"/proc/{pids[1]}").exists()


def test_a_dry_run_says_what_would_run_and_starts_nothing(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ops.production", "--dry-run", "--dir", str(tmp_path / "p"), "--port", "8123"],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k != "SECRET_KEY"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert (
        "QUEUE_URL=redis://:***@127.0.0.1:6380/0 RATELIMIT_STORAGE_URI=redis://:***@127.0.0.1:6380/1"
        in result.stdout
    )
    assert "127.0.0.1:8123" in result.stdout
    assert "flask --app wsgi worker" in result.stdout
    assert "postgres:***@" in result.stdout  # init-db
    assert "commonfix_app:***@" in result.stdout  # gunicorn and the worker
    assert not (tmp_path / "p").exists()


def test_a_closed_terminal_stops_everything_in_order(folder: Path) -> None:
    """SIGHUP (the SSH session or terminal went away) stops the servers as Ctrl-C does; Python's default
    ended the script alone and left gunicorn, the worker, Redis and PostgreSQL running unsupervised."""
    profile = Profile(folder)
    try:
        profile.start()
        assert profile.process is not None
        profile.process.send_signal(signal.SIGHUP)
        code = profile.process.wait(timeout=120)
    finally:
        if profile.process and profile.process.poll() is None:
            profile.interrupt()
    assert code == 0, profile.text()[-3000:]
    assert "[production] stopped" in profile.text()
    assert not any(listening(port) for port in (profile.port, profile.pg_port, profile.redis_port))


def test_killing_the_script_outright_stops_its_servers_and_a_new_run_names_the_database_left(
    folder: Path,
) -> None:
    """SIGKILL (or the OOM killer) gives the script no time to clean up: gunicorn, the worker and Redis
    get their stop signal from the kernel instead of running on unsupervised. PostgreSQL, started as a
    daemon by pg_ctl, is left running; the next run says so, and how to stop it."""
    profile = Profile(folder)
    cluster = cluster_of(folder)
    try:
        profile.start()
        # Without --demo an empty database stays empty (found from outside: the demo city, whose admin's
        # password is public, was loaded by default) and the log says how to make the first admin.
        assert "the database is empty: make the first admin with" in profile.text()
        assert profile.issues() == 0
        assert profile.process is not None
        found = re.search(r"Huey consumer started with \d+ thread, PID (\d+)", profile.text())
        assert found is not None, profile.text()[-3000:]
        worker = Path(f"/proc/{found.group(1)}")
        profile.process.kill()
        profile.process.wait(timeout=30)
        deadline = time.monotonic() + 60
        while listening(profile.port) or listening(profile.redis_port) or worker.exists():
            assert time.monotonic() < deadline, "gunicorn, Redis or the worker outlived their script"
            time.sleep(0.3)
        assert listening(profile.pg_port)

        command = [sys.executable, "-m", "ops.production", "--dir", str(folder), "--port", str(profile.port)]
        command += ["--pg-port", str(profile.pg_port), "--redis-port", str(profile.redis_port)]
        again = subprocess.run(
            command,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert again.returncode == 1
        assert "a PostgreSQL server is already running in" in again.stdout, again.stdout[-3000:]
        assert listening(profile.pg_port)  # the refused run left it alone
        # The command it prints stops that server as printed (found from outside: a bare `pg_ctl`,
        # which root may not run and Debian keeps off PATH).
        advice = again.stdout.split("or the server with: ", 1)[1].splitlines()[0]
        stopped = subprocess.run(advice, shell=True, capture_output=True, text=True, timeout=60, check=False)
        assert stopped.returncode == 0, (advice, stopped.stdout, stopped.stderr)
        assert not listening(profile.pg_port)
    finally:
        if profile.process and profile.process.poll() is None:
            profile.process.kill()
            profile.process.wait(timeout=30)
        cluster.running = True
        cluster.stop()


def test_a_backup_is_restored_into_the_profile_with_restore(folder: Path) -> None:
    """Found from outside: README's restore (stop the web and the worker, restore into an empty database)
    could not be done with the profile: Ctrl-C stops PostgreSQL too, and every start's init-db fills
    the categories, so the database is never empty. `--restore BACKUP` restores it before serving."""
    profile = Profile(folder)
    backup = folder / "backup"
    try:
        profile.start("--demo")
        printed = subprocess.run(
            [sys.executable, "-m", "ops.production", "--env", *profile.options()],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
        env = dict(os.environ)
        for line in printed.splitlines():
            if line.startswith("export "):
                name, _, value = line.removeprefix("export ").partition("=")
                env[name] = shlex.split(value)[0] if value else ""
        taken = flask_cli(env, "backup", str(backup))
        assert taken.returncode == 0, taken.stdout + taken.stderr
        later = requests.post(
            profile.url + "/api/v1/users",
            json={"email": "after.backup@example.org", "display_name": "Later", "password": "long enough pw"},
            timeout=30,
        )
        assert later.status_code == 202, later.text
        assert profile.users("after.backup@example.org") == 1
    finally:
        assert profile.interrupt() == 0, profile.text()[-3000:]

    try:
        profile.start("--restore", str(backup))  # the same folder and ports
        assert "restoring" in profile.text()
        assert profile.issues() == 320
        assert profile.users("after.backup@example.org") == 0  # the data is the backup's
        assert requests.get(profile.url + "/api/v1/health/ready", timeout=30).status_code == 200
    finally:
        assert profile.interrupt() == 0, profile.text()[-3000:]


def test_postgresql_stopping_under_the_profile_stops_everything(folder: Path) -> None:
    """Found from outside: PostgreSQL (a daemon, not one of the script's children) stopped by hand, and
    the profile said nothing and ran on with every page a 503; Redis exiting already stopped everything,
    so a service manager restarts the whole. Now PostgreSQL counts the same."""
    profile = Profile(folder)
    cluster = cluster_of(folder)
    try:
        profile.start()
        # Without --demo an empty database stays empty (found from outside: the demo city, whose admin's
        # password is public, was loaded by default) and the log says how to make the first admin.
        assert "the database is empty: make the first admin with" in profile.text()
        assert profile.issues() == 0
        assert profile.process is not None
        stopped = subprocess.run(
            cluster.stop_command(), shell=True, capture_output=True, text=True, timeout=60, check=False
        )
        assert stopped.returncode == 0, stopped.stderr
        code = profile.process.wait(timeout=120)
    finally:
        if profile.process and profile.process.poll() is None:
            profile.process.kill()
            profile.process.wait(timeout=30)
    assert code == 1, profile.text()[-3000:]
    assert "PostgreSQL stopped; stopping everything" in profile.text()
    assert "[production] stopped" in profile.text()
    assert not any(listening(port) for port in (profile.port, profile.redis_port))
