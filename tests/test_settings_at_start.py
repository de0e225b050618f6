"""A missing or mistyped setting stops the app at start with an error that names it (and never repeats a
password), instead of a driver's message or a production node quietly writing to a SQLite file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app import create_app
from config import ProductionConfig

ROOT = Path(__file__).resolve().parent.parent


def test_production_without_database_url_refuses_to_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(ValueError, match="DATABASE_URL must be set in production"):
        create_app(ProductionConfig, {"SECRET_KEY": "k" * 40})


@pytest.mark.parametrize(
    "url",
    [
        "postgres://commonfix:s3cret-pw@db.internal/commonfix",  # the Heroku-style spelling
        "postgresql://commonfix:s3cret-pw@db.internal/commonfix",  # SQLAlchemy's default driver, absent
        "commonfix:s3cret-pw@db.internal/commonfix",
    ],
)
def test_a_database_url_of_another_driver_is_named_without_its_password(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    with pytest.raises(ValueError, match=r"DATABASE_URL must be postgresql\+psycopg://") as refused:
        create_app(ProductionConfig, {"SECRET_KEY": "k" * 40})
    assert "s3cret-pw" not in str(refused.value)


def test_a_mistyped_rate_limit_storage_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis:/:s3cret-pw@127.0.0.1:6379/1")
    with pytest.raises(ValueError, match="RATELIMIT_STORAGE_URI must be memory:// or redis://") as refused:
        create_app(ProductionConfig, {"SECRET_KEY": "k" * 40, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert "s3cret-pw" not in str(refused.value)


def test_gunicorn_names_the_missing_setting_in_production() -> None:
    """What an operator sees: the process stops, and its last line names DATABASE_URL."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(COMMONFIX_ENV="production", SECRET_KEY="k" * 40)
    result = subprocess.run(
        [sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "DATABASE_URL must be set in production" in result.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize("url", ["reddis://:s3cret-pw@127.0.0.1:6379/0", "127.0.0.1:6379/0"])
def test_a_mistyped_queue_url_is_named_without_its_password(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QUEUE_URL", url)
    with pytest.raises(ValueError, match="QUEUE_URL must be sqlite:///PATH, redis://") as refused:
        create_app(ProductionConfig, {"SECRET_KEY": "k" * 40, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert "s3cret-pw" not in str(refused.value)
