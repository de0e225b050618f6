"""A PostgreSQL + PostGIS cluster run from Debian's server binaries: initdb, start, stop, databases.

The tests start throwaway clusters with it (tests/postgis_cluster.py) and the production profile a
durable one under the instance folder (ops/production.py). initdb and the server refuse to run as
root, so under root they run as an unprivileged system user (`postgres` when the Debian package created
it, else `nobody`) that owns the cluster's folder.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import socket
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql

from app.database.snapshots import postgres_bin_dirs

SUPERUSER = "postgres"
THROWAWAY_SETTINGS = {
    # Durability is pointless for a throwaway cluster; these make DDL and commits much faster.
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
    "listen_addresses": "127.0.0.1",
    "unix_socket_directories": "",
}


# A cluster that keeps its data: PostgreSQL's durable defaults, loopback TCP only.
DURABLE_SETTINGS = {
    "max_connections": "200",
    "listen_addresses": "127.0.0.1",
    "unix_socket_directories": "",
}


class ClusterUnavailable(RuntimeError):
    """PostgreSQL or PostGIS is not installed here, or the cluster could not start."""


def find_bin_dir() -> Path | None:
    """The directory holding initdb/pg_ctl/postgres (PATH first, then Debian's versioned dirs)."""
    for directory in postgres_bin_dirs():
        if all((directory / tool).exists() for tool in ("initdb", "pg_ctl", "postgres")):
            return directory
    return None


def has_postgis(bin_dir: Path) -> bool:
    """Whether the PostGIS extension is installed for this server version."""
    pg_config = bin_dir / "pg_config"
    if pg_config.exists():
        share = subprocess.run(
            [str(pg_config), "--sharedir"], capture_output=True, text=True, check=False
        ).stdout.strip()
        if share and (Path(share) / "extension" / "postgis.control").exists():
            return True
    version = bin_dir.parent.name
    return Path(f"/usr/share/postgresql/{version}/extension/postgis.control").exists()


def unavailable_reason() -> str | None:
    """None when a PostGIS cluster can be started here, else why not."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        return "PostgreSQL server binaries (initdb, pg_ctl) are not installed"
    if not has_postgis(bin_dir):
        return f"the PostGIS extension is not installed for {bin_dir}"
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def service_account() -> pwd.struct_passwd | None:
    """The unprivileged user to run the server as, or None when we are not root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    raise ClusterUnavailable("running as root, but neither a 'postgres' nor a 'nobody' user exists")


@dataclass
class PostgisCluster:
    """One running cluster; `url(database)` gives SQLAlchemy URLs for databases made by `create_database`."""

    bin_dir: Path
    root: Path
    port: int = 0
    account: pwd.struct_passwd | None = None
    databases: list[str] = field(default_factory=list)
    running: bool = False
    settings: dict[str, str] = field(default_factory=lambda: dict(THROWAWAY_SETTINGS))
    password: str | None = None  # None: trust on loopback (tests); else scram-sha-256 for SUPERUSER

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def log_file(self) -> Path:
        return self.root / "server.log"

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        kwargs: dict[str, object] = {}
        if self.account is not None:
            kwargs.update(user=self.account.pw_uid, group=self.account.pw_gid, extra_groups=[])
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "LANG": "C"}
        return subprocess.run(  # type: ignore[call-overload, no-any-return]
            [str(self.bin_dir / args[0]), *args[1:]],
            cwd=self.root,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            **kwargs,
        )

    def stop_command(self) -> str:
        """The shell command that stops this folder's server by hand, as its owner must run it (pg_ctl
        refuses root; Debian keeps it off PATH, in /usr/lib/postgresql/<version>/bin)."""
        stop = f"{self.bin_dir / 'pg_ctl'} -D {self.data_dir} -m fast stop"
        if self.account is None:
            return stop
        return f"su {self.account.pw_name} -s /bin/sh -c '{stop}'"

    def _log_tail(self) -> str:
        try:
            return self.log_file.read_text(errors="replace")[-3000:]
        except OSError:
            return "(no server log)"

    def initdb(self) -> None:
        if self.account is not None:
            os.chown(self.root, self.account.pw_uid, self.account.pw_gid)
        auth = ["--auth=trust", "--no-sync"]
        password_file = self.root / "initdb-password"
        if self.password is not None:
            password_file.write_text(self.password + "\n")
            password_file.chmod(0o600)
            if self.account is not None:
                os.chown(password_file, self.account.pw_uid, self.account.pw_gid)
            auth = ["--auth-host=scram-sha-256", "--auth-local=peer", f"--pwfile={password_file}"]
        try:
            result = self._run(
                "initdb", "-D", str(self.data_dir), "-U", SUPERUSER, *auth, "-E", "UTF8", "--no-locale"
            )
        finally:
            password_file.unlink(missing_ok=True)
        if result.returncode != 0:
            raise ClusterUnavailable(f"initdb failed:\n{result.stdout}\n{result.stderr}")

    def start(self, attempts: int = 3, port: int | None = None) -> None:
        """Start on `port`, or on a free loopback port (another process may grab it first, so retry).

        Refused when a server already runs on this data folder: a failed attempt ends with an immediate
        stop of the folder's server, which must never be someone else's live one.
        """
        status = self._run("pg_ctl", "-D", str(self.data_dir), "status")
        if status.returncode == 0:
            running = status.stdout.strip().splitlines()[0] if status.stdout.strip() else "running"
            raise ClusterUnavailable(
                f"a PostgreSQL server is already running in {self.data_dir} ({running}): another run of "
                "the production profile is using it, or an earlier one was killed and left it behind; stop "
                f"that run, or the server with: {self.stop_command()}"
            )
        failure = ""
        for _ in range(attempts if port is None else 1):
            self.port = port or free_port()
            options = " ".join(
                f"-c {k}={v!r}" if v == "" else f"-c {k}={v}" for k, v in self.settings.items()
            )
            result = self._run(
                "pg_ctl",
                "-D",
                str(self.data_dir),
                "-l",
                str(self.log_file),
                "-w",
                "-t",
                "60",
                "-o",
                f"-p {self.port} {options}",
                "start",
            )
            if result.returncode == 0:
                self.running = True
                return
            failure = f"{result.stdout}\n{result.stderr}\n{self._log_tail()}"
            self._run("pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop")
        raise ClusterUnavailable(f"the PostgreSQL server did not start:\n{failure}")

    def answers(self) -> bool:
        """Whether this folder's server is running (pg_ctl status)."""
        return self._run("pg_ctl", "-D", str(self.data_dir), "status", timeout=30).returncode == 0

    def stop(self) -> None:
        if self.running:
            self._run("pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "-t", "30", "stop")
            self.running = False

    def connect(self, database: str = "postgres") -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user=SUPERUSER,
            password=self.password,
            dbname=database,
            autocommit=True,
            connect_timeout=10,
        )

    def create_database(self, name: str) -> str:
        """A new database with PostGIS enabled; returns its SQLAlchemy URL."""
        with self.connect() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        with self.connect(name) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        self.databases.append(name)
        return self.url(name)

    def url(self, database: str) -> str:
        login = SUPERUSER if self.password is None else f"{SUPERUSER}:{self.password}"
        return f"postgresql+psycopg://{login}@127.0.0.1:{self.port}/{database}"
