"""Gunicorn's access log never holds the tokens of reset, confirmation and unsubscribe links (found from
outside: a full password-reset token in the log): a real gunicorn, its log read back."""

from __future__ import annotations

import contextlib
import os
import urllib.error
import urllib.request
from pathlib import Path

from app.access_log import mask_tokens
from tests.gunicorn_server import gunicorn

TOKEN = "eyJ1Ijo1fQ.aZ0-secret_TOKEN"


def test_the_access_log_writes_token_in_place_of_link_tokens(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "COMMONFIX_ENV": "development",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
        "SECRET_KEY": "access-log-test-key",
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "QUEUE_URL": f"sqlite:///{tmp_path / 'queue.sqlite3'}",
        "GUNICORN_CMD_ARGS": "--access-logfile -",
    }
    log = tmp_path / "gunicorn.log"
    with gunicorn(env, log, workers=1) as url:
        for route in ("/account/password/reset/", "/account/confirm/", "/unsubscribe/"):
            request = urllib.request.Request(url + route + TOKEN, headers={"Referer": url + route + TOKEN})
            # The answer does not matter (an unknown token, a database not migrated): the log does.
            with contextlib.suppress(urllib.error.HTTPError):
                urllib.request.urlopen(request, timeout=30).close()
    written = log.read_text()
    assert "GET /account/password/reset/<token> HTTP/1.1" in written
    assert "GET /unsubscribe/<token> HTTP/1.1" in written
    assert TOKEN not in written
    assert "secret_TOKEN" not in written


def test_other_paths_are_logged_as_they_are() -> None:
    assert mask_tokens("GET /issues/12 HTTP/1.1") == "GET /issues/12 HTTP/1.1"
    assert mask_tokens("POST /account/confirm/resend HTTP/1.1") == "POST /account/confirm/resend HTTP/1.1"
