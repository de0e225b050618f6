"""`make run-production`: PostgreSQL + PostGIS and Redis on this machine, migrated and seeded, then
gunicorn and the job-queue worker, all stopped in order by Ctrl-C (or SIGTERM).

Run as `python -m ops.production [--dry-run] [--port 8000] ...`. Everything it keeps lives under
--dir (default instance/production): the cluster, Redis's append-only file, the generated secrets.
`--env` prints the settings it gives gunicorn and the worker as shell lines, for a `flask --app wsgi`
command run by hand against it (backup, create-user): `eval "$(python -m ops.production --env)"`.
The superuser runs the migrations, a restore and the seed; gunicorn and the worker log in as the
app's role (ops/database_role.py).
"""

from __future__ import annotations

import os
import secrets
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from ops.database_role import APP_ROLE, app_url, ensure_app_role, grant_app_privileges
from ops.production_settings import ROOT, Settings, parse_args
from ops.supervised import RestartBudget, stop_with_parent, wait_for_http

DATABASE = "commonfix"
READY = "Commonfix production profile is up at"
POSTGRES_CHECK_S = 5.0  # how often the supervisor asks whether PostgreSQL still runs


def say(message: str) -> None:
    print(f"[production] {message}", flush=True)


def kept_secret(path: Path, what: str, *, renewed: bool = False) -> str:
    """The secret in `path`, generated (mode 600) on first use; `renewed`: each start hands it to its
    server again (ALTER ROLE, redis.conf), so a lost one is simply made anew."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as stream:
        stream.write(value + "\n")
    keep = "made again at the next start if lost" if renewed else "keep it, and back it up with the database"
    say(f"generated {what} into {path} (mode 600); {keep}")
    return value


def app_password(settings: Settings) -> str:
    return kept_secret(settings.root / "app_password", "the app role's PostgreSQL password", renewed=True)


def redis_password(settings: Settings) -> str:
    return kept_secret(settings.root / "redis_password", "the Redis password", renewed=True)


def redis_url(settings: Settings) -> str:
    """The profile's Redis, with its password (add /0 or /1 for a database)."""
    return f"redis://:{redis_password(settings)}@127.0.0.1:{settings.redis_port}"


def secret_key(settings: Settings) -> str:
    given = os.environ.get("SECRET_KEY")
    if given:
        say("SECRET_KEY from the environment")
        return given
    return kept_secret(settings.root / "secret_key", "a SECRET_KEY")


def traversable_by(path: Path, uid: int) -> bool:
    """Whether user `uid` can reach `path` (every folder above it searchable by others or owned by it)."""
    for folder in [path, *path.parents]:
        info = folder.stat()
        if info.st_uid != uid and not info.st_mode & stat.S_IXOTH:
            return False
    return True


def photo_folder(settings: Settings) -> Path:
    """<dir>/uploads, with the rest the profile keeps (a fresh clone or `git clean` of the checkout must
    not take residents' photos). Earlier runs kept them in instance/uploads: for a cluster made then,
    while that holds files and <dir>/uploads does not exist, it stays in use, saying how to move them."""
    kept, earlier = settings.root / "uploads", ROOT / "instance" / "uploads"
    made_before = (settings.root / "postgres" / "data" / "PG_VERSION").exists()
    if made_before and not kept.exists() and earlier.is_dir() and any(earlier.iterdir()):
        say(f"photos stay in {earlier} (where earlier runs kept them); stop, then move them to {kept}")
        return earlier
    return kept


@dataclass
class Profile:
    settings: Settings
    cluster: Any = None
    children: list[tuple[str, subprocess.Popen[bytes]]] = field(default_factory=list)
    worker_env: dict[str, str] = field(default_factory=dict)
    worker_restarts: RestartBudget = field(default_factory=RestartBudget)

    # --- the servers ---------------------------------------------------------------------------------

    def start_postgres(self) -> str:
        from ops.postgres_cluster import (
            DURABLE_SETTINGS,
            PostgisCluster,
            find_bin_dir,
            service_account,
            unavailable_reason,
        )

        reason = unavailable_reason()
        if reason is not None:
            raise RuntimeError(f"{reason} (make run-production installs postgresql and postgis)")
        bin_dir = find_bin_dir()
        assert bin_dir is not None
        root = self.settings.root / "postgres"
        root.mkdir(parents=True, exist_ok=True, mode=0o755)
        account = service_account()
        if account is not None and not traversable_by(root, account.pw_uid):
            raise RuntimeError(
                f"the server runs as {account.pw_name}, who cannot reach {root}: choose --dir under a path "
                "every user can enter (e.g. /srv/commonfix), or run as an ordinary user"
            )
        password = kept_secret(self.settings.root / "postgres_password", "the PostgreSQL password")
        cluster = PostgisCluster(
            bin_dir=bin_dir, root=root, account=account, settings=dict(DURABLE_SETTINGS), password=password
        )
        if not (cluster.data_dir / "PG_VERSION").exists():
            say(
                f"creating a PostgreSQL cluster in {cluster.data_dir}"
                + (f" (runs as {account.pw_name})" if account else "")
            )
            cluster.initdb()
        cluster.start(port=self.settings.pg_port)
        self.cluster = cluster
        with cluster.connect() as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone():
                conn.execute(f"CREATE DATABASE {DATABASE}")
        with cluster.connect(DATABASE) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
            if ensure_app_role(conn, app_password(self.settings)):
                say(f"created the role {APP_ROLE}: gunicorn and the worker log in as it, not as a superuser")
            # The cluster is the profile's own: no role but the superuser needs its other databases.
            conn.execute("REVOKE CONNECT ON DATABASE postgres, template1 FROM PUBLIC")
        say(f"PostgreSQL + PostGIS on 127.0.0.1:{self.settings.pg_port} (log {cluster.log_file})")
        return str(cluster.url(DATABASE))

    def start_redis(self) -> str:
        folder = self.settings.root / "redis"
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(0o700)  # its append-only file holds queued jobs: mail with sign-in links
        # Found from outside: Redis answered any local user, who could queue a job of their making
        # (the queue's tasks are pickles, run by the worker) or clear the rate limits. Its password
        # goes in a file of mode 600, not on the command line, which every local user can read.
        config = folder / "redis.conf"
        config.unlink(missing_ok=True)
        with os.fdopen(os.open(config, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as stream:
            stream.write(f"requirepass {redis_password(self.settings)}\n")
        command = ["redis-server", str(config), "--port", str(self.settings.redis_port)]
        command += ["--bind", "127.0.0.1"]
        command += ["--dir", str(folder), "--appendonly", "yes", "--save", "", "--daemonize", "no"]
        command += ["--logfile", str(folder / "redis.log")]
        self.spawn("redis", command, os.environ.copy())
        import redis

        url = redis_url(self.settings)
        deadline = time.monotonic() + 30
        while True:
            try:
                with redis.Redis.from_url(url, socket_timeout=1) as client:
                    client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or self.children[-1][1].poll() is not None:
                    raise RuntimeError(f"redis-server did not start; see {folder / 'redis.log'}") from None
                time.sleep(0.1)
        say(f"Redis on 127.0.0.1:{self.settings.redis_port} (append-only file in {folder})")
        return url

    def spawn(self, name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        # A session of its own: Ctrl-C reaches this script only, which then stops everything in order.
        # Should this script be killed outright (SIGKILL, the OOM killer), the child gets the signal that
        # stops it gracefully instead of running on with nothing supervising it.
        stop_signal = signal.SIGINT if name == "worker" else signal.SIGTERM
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            start_new_session=True,
            preexec_fn=stop_with_parent(stop_signal, os.getpid()),
        )
        self.children.append((name, process))
        return process

    # --- the app -------------------------------------------------------------------------------------

    def app_environment(self, database_url: str, redis_url: str) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "COMMONFIX_ENV": "production",
                "SECRET_KEY": secret_key(self.settings),
                "DATABASE_URL": database_url,
                "QUEUE_URL": f"{redis_url}/0",
                "RATELIMIT_STORAGE_URI": f"{redis_url}/1",
                "PYTHONUNBUFFERED": "1",  # the worker's and gunicorn's lines show as they happen
            }
        )
        if not env.get("UPLOAD_FOLDER"):
            env["UPLOAD_FOLDER"] = str(photo_folder(self.settings))
        if not env.get("PUBLIC_URL"):
            env["PUBLIC_URL"] = self.settings.url
            say(
                f"PUBLIC_URL is {self.settings.url}; set PUBLIC_URL to the address residents use (mail links)"
            )
        if env["PUBLIC_URL"].startswith("https://") and not env.get("TRUSTED_PROXIES"):
            # gunicorn serves plain HTTP here: an https address means a reverse proxy in front of it.
            say(
                "PUBLIC_URL is https, so a reverse proxy serves the site: set TRUSTED_PROXIES=1 if it "
                "appends the client to X-Forwarded-For, or every resident counts as the proxy in rate limits"
            )
        if not env.get("MAIL_SERVER") and not env.get("MAIL_BACKEND"):
            env["MAIL_BACKEND"] = "outbox"
            say("no MAIL_SERVER set: mail is written to instance/outbox/ as .eml files (MAIL_BACKEND=outbox)")
        return env

    def flask(self, env: dict[str, str], *args: str) -> None:
        subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env, check=True)

    def database_is_empty(self) -> bool:
        with self.cluster.connect(DATABASE) as conn:
            row = conn.execute(
                "SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM issues)"
            ).fetchone()
        return bool(row is not None and row[0] == 0)

    def start_app(self, env: dict[str, str]) -> None:
        if self.settings.restore is not None:
            # Nothing serves yet: neither gunicorn nor the worker writes while the data is replaced.
            say(f"restoring {self.settings.restore} over the profile's database and photos (restore --force)")
            self.flask(env, "restore", "--force", str(self.settings.restore))
        self.flask(env, "init-db")
        if self.database_is_empty():
            if self.settings.demo:
                say("the database is empty: loading the demo city (--demo)")
                self.flask(env, "seed-demo")
            else:
                # Found from outside: the profile loaded the demo city by default, whose admin's
                # password is in the README, so a real deployment began with a public admin login.
                say(
                    "the database is empty: make the first admin with "
                    f'eval "$({sys.executable} -m ops.production --env)" && '
                    f"{Path(sys.executable).parent / 'flask'} --app wsgi create-user you@city.example "
                    "--role admin"
                )
        # The migrations, a restore and the seed ran as the superuser, which owns the schema; what
        # serves logs in as the app's role (ops/database_role.py).
        with self.cluster.connect(DATABASE) as conn:
            tables, append_only = grant_app_privileges(conn, DATABASE)
        say(f"{APP_ROLE} may read and write {len(tables)} tables; {', '.join(append_only)} only read and add")
        env = {**env, "DATABASE_URL": app_url(self.settings.pg_port, app_password(self.settings), DATABASE)}
        bind = f"{self.settings.host}:{self.settings.port}"
        gunicorn = [sys.executable, "-m", "gunicorn", "--workers", str(self.settings.web_workers)]
        web = self.spawn(
            "gunicorn",
            [*gunicorn, "--threads", "4", "--bind", bind, "--access-logfile", "-", "wsgi:app"],
            env,
        )
        wait_for_http(self.settings.url, web)
        self.worker_env = env
        self.start_worker()

    def start_worker(self) -> None:
        self.spawn("worker", [sys.executable, "-m", "flask", "--app", "wsgi", "worker"], self.worker_env)

    # --- running and stopping ------------------------------------------------------------------------

    def supervise(self, stop: list[int]) -> int:
        """Until a signal arrives (0), or a child or PostgreSQL (a daemon, not a child: asked every
        POSTGRES_CHECK_S) exits on its own (1: everything is stopped). The worker is started again
        instead, as `worker_restarts` allows: found from outside, a worker killed (the OOM killer on a
        large tally) took the whole site down, the web included, until a service manager restarted it."""
        checked = time.monotonic()
        while not stop:
            for name, process in self.children:
                if process.poll() is None:
                    continue
                delay = self.worker_restarts.next_delay(time.monotonic()) if name == "worker" else None
                if delay is None:
                    say(f"{name} exited with code {process.returncode}; stopping everything")
                    return 1
                say(
                    f"worker exited with code {process.returncode}; starting it again in {delay:g} s "
                    "(the web serves on; jobs wait in the queue)"
                )
                self.children.remove((name, process))
                deadline = time.monotonic() + delay
                while not stop and time.monotonic() < deadline:
                    time.sleep(0.1)
                if not stop:
                    self.start_worker()
                break
            if self.cluster is not None and time.monotonic() - checked >= POSTGRES_CHECK_S:
                checked = time.monotonic()
                if not self.cluster.answers():
                    say("PostgreSQL stopped; stopping everything")
                    self.cluster.running = False
                    return 1
            time.sleep(0.5)
        say(f"signal {stop[0]}: stopping")
        return 0

    def stop(self) -> None:
        """Web and worker first (they finish their requests and jobs), then Redis, then PostgreSQL."""
        for name, process in reversed(self.children):
            if process.poll() is None:
                process.send_signal(signal.SIGINT if name == "worker" else signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    say(f"{name} did not stop within 30 s: killing it")
                    process.kill()
                    process.wait()
        self.children.clear()
        if self.cluster is not None:
            self.cluster.stop()
            self.cluster = None
        say("stopped")


def main(argv: Sequence[str] | None = None) -> int:
    settings, mode = parse_args(sys.argv[1:] if argv is None else argv, __doc__)
    if mode == "env":
        from ops.production_environment import print_environment

        return print_environment(settings)
    if mode == "dry-run":
        from ops.production_dry_run import dry_run

        dry_run(settings)
        return 0
    stop: list[int] = []
    # SIGHUP too (the terminal or SSH session closed): Python's default would end this script at once,
    # leaving the servers running unsupervised. Under nohup it stays ignored.
    hangup = [signal.SIGHUP] if signal.getsignal(signal.SIGHUP) is not signal.SIG_IGN else []
    for signum in (signal.SIGINT, signal.SIGTERM, *hangup):
        signal.signal(signum, lambda received, _frame: stop.append(received))
    settings.root.mkdir(parents=True, exist_ok=True, mode=0o755)
    profile = Profile(settings)
    try:
        database_url = profile.start_postgres()
        redis_url = profile.start_redis()
        profile.start_app(profile.app_environment(database_url, redis_url))
        servers = f"PostgreSQL 127.0.0.1:{settings.pg_port}, Redis 127.0.0.1:{settings.redis_port}"
        say(f"{READY} {settings.url} ({servers}); Ctrl-C stops everything")
        return profile.supervise(stop)
    except (RuntimeError, OSError, subprocess.CalledProcessError, psycopg.Error) as exc:
        say(f"failed: {exc}")
        return 1
    finally:
        profile.stop()


if __name__ == "__main__":
    sys.exit(main())
