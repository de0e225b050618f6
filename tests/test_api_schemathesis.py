"""schemathesis against a live server: every /api/v1 operation, as a stranger and as a resident, no 5xx
and every response as /api/v1/openapi.json describes it.

The server is gunicorn on 127.0.0.1 over a temporary SQLite database holding the demo city. The run is
bounded (25 examples per operation, a fixed seed, deterministic generation) and never skipped.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import pytest
import requests

from app import create_app
from app.demo.seed import seed_demo_city
from app.extensions import db
from config import TestingConfig
from tests.conftest import create_schema
from tests.flask_cli import STRONG_KEY
from tests.gunicorn_server import ROOT, gunicorn

pytestmark = pytest.mark.slow

CHECKS = "not_a_server_error,status_code_conformance,response_schema_conformance,content_type_conformance"
EXAMPLES_PER_OPERATION = 25
RESIDENT = ("resident1@demo.commonfix.org", "demo-password")
RUN_TIMEOUT_S = 600


@dataclass(frozen=True)
class Run:
    """What one schemathesis run reported: its exit code, figures and output."""

    returncode: int
    operations: int
    tested: set[str]  # "GET /issues/{issue_id}", from the JUnit report
    test_cases: int
    failures: int
    output: str


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """gunicorn serving the demo city from a fresh SQLite file (two workers, loopback only)."""
    workdir = tmp_path_factory.mktemp("schemathesis")
    url = "sqlite:///" + str(workdir / "commonfix.db")
    app = create_app(TestingConfig, {"SQLALCHEMY_DATABASE_URI": url})
    create_schema(app)
    with app.app_context():
        seed_demo_city(db.session(), issue_count=40)
        db.session.commit()
        db.engine.dispose()
    env = {
        **os.environ,
        "COMMONFIX_ENV": "production",
        "DATABASE_URL": url,
        "RATELIMIT_ENABLED": "false",  # thousands of requests in a minute are the point here
        "SECRET_KEY": STRONG_KEY,
        "UPLOAD_FOLDER": str(workdir / "uploads"),
        "MAIL_OUTBOX_DIR": str(workdir / "outbox"),
        "QUEUE_URL": f"sqlite:///{workdir / 'queue.sqlite3'}",  # not the instance folder's queue
    }
    with gunicorn(env, workdir / "gunicorn.log", workers=2) as base:
        yield base


def resident_token(base: str) -> str:
    response = requests.post(
        base + "/api/v1/tokens", json={"email": RESIDENT[0], "password": RESIDENT[1]}, timeout=30
    )
    assert response.status_code == 201, response.text
    return str(response.json()["token"])


def figure(pattern: str, output: str) -> int:
    found = re.search(pattern, output)
    return int(found.group(1)) if found else 0


def run_schemathesis(base: str, report: Path, *headers: str) -> Run:
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "run",
        base + "/api/v1/openapi.json",
        "--url",
        base + "/api/v1",
        "--checks",
        CHECKS,
        "--max-examples",
        str(EXAMPLES_PER_OPERATION),
        "--seed",
        "20261202",
        "--generation-deterministic",
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--no-color",
        "--report",
        "junit",
        "--report-junit-path",
        str(report),
    ]
    for header in headers:
        command += ["--header", header]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=RUN_TIMEOUT_S, check=False, cwd=ROOT, env=env
    )
    output = done.stdout + done.stderr
    tested = (
        {case.get("name", "") for case in ElementTree.parse(report).iter("testcase")}
        if report.exists()
        else set()
    )
    return Run(
        returncode=done.returncode,
        tested=tested,
        operations=figure(r"Tested: (\d+)", output),
        test_cases=figure(r"(\d+) generated", output),
        failures=figure(r"found (\d+) unique failures", output),
        output=output,
    )


@pytest.mark.timeout(RUN_TIMEOUT_S + 120)  # one run takes ~2-3 min on 2 cores; the suite's 300 s is too tight
@pytest.mark.parametrize("who", ["stranger", "resident"])
def test_every_operation_answers_as_documented(server_url: str, who: str, tmp_path: Path) -> None:
    headers = () if who == "stranger" else (f"Authorization: Bearer {resident_token(server_url)}",)
    run = run_schemathesis(server_url, tmp_path / "junit.xml", *headers)
    figures = f"{run.operations} operations, {run.test_cases} test cases, {run.failures} failures"
    print(f"schemathesis ({who}): {figures}\n{run.output[-1800:]}")  # its summary, shown with -s or -rP
    assert run.returncode == 0, run.output[-20000:]
    documented = requests.get(server_url + "/api/v1/openapi.json", timeout=30).json()["paths"]
    operations = {f"{method.upper()} {path}" for path, ops in documented.items() for method in ops}
    # schemathesis leaves out the operation serving the document it loaded; tests/test_openapi.py checks it
    assert operations - run.tested == {"GET /openapi.json"}, sorted(run.tested)
    assert run.test_cases >= EXAMPLES_PER_OPERATION * len(run.tested), figures
