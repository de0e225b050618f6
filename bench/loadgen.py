"""HTTP load for the benchmarks: the app under gunicorn on loopback, driven by wrk (Debian package `wrk`).

wrk is used rather than a Python client because a Python client on this 2-core machine would take a
large share of the CPU from the server it measures. Every run prints one JSON line from the Lua
`done()` hook, so the figures are read from wrk itself, not scraped from its text report.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import requests

from bench.databases import REPO, SECRET_KEY
from tests.postgis_cluster import free_port

# Common to every run: counts what each thread sent and prints wrk's own summary as JSON.
REPORT_LUA = r"""
local threads = {}
local next_id = 0
sent = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function done(summary, latency, requests)
  local by_thread, fresh_by_thread = {}, {}
  for _, t in ipairs(threads) do
    table.insert(by_thread, tostring(t:get("sent") or 0))
    table.insert(fresh_by_thread, tostring(t:get("fresh") or 0))
  end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,' ..
    '"timeout":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"sent_by_thread":[%s],"fresh_by_thread":[%s]}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), table.concat(by_thread, ","),
    table.concat(fresh_by_thread, ",")))
end
"""

# GET of one fixed path (the URL's), counting requests.
GET_LUA = (
    REPORT_LUA
    + r"""
function request()
  sent = sent + 1
  return wrk.format("GET")
end
"""
)

# POST .../like: thread i reads "<prefix>.<i>", one "token issue_id" pair a line, and sends each pair once
# until `args[2]` seconds before the end. In that last stretch it replays pairs it already sent (liking twice
# is idempotent: no new row, same endpoint), so the requests that wrk abandons in flight when it stops are
# never new likes, and every new like sent is answered before the run ends: the audit can then be exact.
LIKE_LUA = (
    REPORT_LUA
    + r"""
local likes = {}
local deadline = 0
n = 0
fresh = 0

function init(args)
  for line in io.lines(args[1] .. "." .. id) do
    local token, issue = line:match("^(%S+) (%d+)$")
    n = n + 1
    likes[n] = {"/api/v1/issues/" .. issue .. "/like", {["Authorization"] = "Bearer " .. token}}
  end
  deadline = os.time() + tonumber(args[2])
end

function request()
  local pair
  if fresh < n and (fresh == 0 or os.time() < deadline) then
    fresh = fresh + 1
    pair = likes[fresh]
  else
    pair = likes[(sent % fresh) + 1]
  end
  sent = sent + 1
  return wrk.format("POST", pair[1], pair[2], "")
end
"""
)


@dataclass(frozen=True)
class WrkResult:
    requests: int
    seconds: float
    errors: int  # connect/read/write/timeout errors and non-2xx/3xx answers
    p50_ms: float
    p90_ms: float
    p99_ms: float
    sent_by_thread: tuple[int, ...]  # requests each wrk thread wrote (answered or not)
    fresh_by_thread: tuple[int, ...]  # like runs: pairs each thread sent for the first time

    @property
    def sent(self) -> int:
        return sum(self.sent_by_thread)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def run_wrk(
    url: str, lua: str, seconds: float, connections: int, threads: int, args: Sequence[str] = ()
) -> WrkResult:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua)
    try:
        command = [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds:g}s",
            "--timeout",
            "30s",
            "-s",
            script.name,
            url,
        ]
        if args:
            command += ["--", *args]
        done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 90, check=False)
    finally:
        os.unlink(script.name)
    line = next((s for s in done.stdout.splitlines() if s.startswith("WRKJSON ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    data = json.loads(line.removeprefix("WRKJSON "))
    return WrkResult(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        errors=sum(data[k] for k in ("connect", "read", "write", "status", "timeout")),
        p50_ms=data["p50_us"] / 1000,
        p90_ms=data["p90_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        sent_by_thread=tuple(data["sent_by_thread"]),
        fresh_by_thread=tuple(data["fresh_by_thread"]),
    )


def write_like_pairs(folder: Path, per_thread: Sequence[Sequence[tuple[str, int]]]) -> str:
    """Write each thread's (token, issue) pairs for LIKE_LUA; returns the file prefix to pass to wrk."""
    prefix = folder / "likes"
    for number, pairs in enumerate(per_thread):
        lines = "".join(f"{token} {issue}\n" for token, issue in pairs)
        (folder / f"likes.{number}").write_text(lines)
    return str(prefix)


@dataclass(frozen=True)
class ServerSpec:
    workers: int
    threads: int

    @property
    def label(self) -> str:
        return f"gunicorn -k gthread -w {self.workers} --threads {self.threads}"


@dataclass
class Server:
    base_url: str
    process: subprocess.Popen[bytes]
    log: Path

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the gunicorn master and its live workers."""
        pids = [self.process.pid]
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        if children.exists():
            pids += [int(pid) for pid in children.read_text().split()]
        ticks = 0
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except FileNotFoundError:
                continue
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def gunicorn(database_url: str, spec: ServerSpec, log: Path) -> Iterator[Server]:
    """`wsgi:app` under gunicorn on a free loopback port, stopped (gracefully, then killed) on exit."""
    port = free_port()
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        SECRET_KEY=SECRET_KEY,
        COMMONFIX_ENV="production",
        RATELIMIT_ENABLED="false",
        SPATIALITE_LIBRARY_PATH="mod_spatialite",
    )
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "--worker-class",
        "gthread",
        "--workers",
        str(spec.workers),
        "--threads",
        str(spec.threads),
        "--bind",
        f"127.0.0.1:{port}",
        "--keep-alive",
        "5",
        "--log-level",
        "warning",
        "wsgi:app",
    ]
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    server = Server(f"http://127.0.0.1:{port}", process, log)
    try:
        wait_until_up(server)
        yield server
    finally:
        stop(process)


def wait_until_up(server: Server, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited early; see {server.log}")
        with contextlib.suppress(requests.RequestException):
            if requests.get(f"{server.base_url}/api/v1/health", timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer within {timeout:.0f} s; see {server.log}")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)  # graceful: workers finish the requests they hold
    try:
        process.wait(timeout=40)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
