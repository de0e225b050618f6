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
from tests.flask_cli import STRONG_KEY

ROOT = Path(__file__).resolve().parent.parent


def test_production_without_database_url_refuses_to_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(ValueError, match="DATABASE_URL must be set in production"):
        create_app(ProductionConfig, {"SECRET_KEY": STRONG_KEY})


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
        create_app(ProductionConfig, {"SECRET_KEY": STRONG_KEY})
    assert "s3cret-pw" not in str(refused.value)


def test_a_mistyped_rate_limit_storage_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis:/:s3cret-pw@127.0.0.1:6379/1")
    with pytest.raises(ValueError, match="RATELIMIT_STORAGE_URI must be memory:// or redis://") as refused:
        create_app(ProductionConfig, {"SECRET_KEY": STRONG_KEY, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert "s3cret-pw" not in str(refused.value)


def test_gunicorn_names_the_missing_setting_in_production() -> None:
    """What an operator sees: the process stops, and its last line names DATABASE_URL."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(COMMONFIX_ENV="production", SECRET_KEY=STRONG_KEY)
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
        create_app(ProductionConfig, {"SECRET_KEY": STRONG_KEY, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert "s3cret-pw" not in str(refused.value)


# What an operator sees when a setting is wrong: one line naming it, from a `flask` command as from
# gunicorn (which then stops instead of booting workers again), never a page of traceback. Found from
# outside: each of these printed 31 to 37 lines of traceback before the sentence.
WRONG_SETTINGS = [
    ({"CITY_TIMEZONE": "Mars/Olympus"}, "CITY_TIMEZONE must be a time zone name like Europe/Warsaw"),
    (
        {"DATABASE_URL": "postgres://cf:s3cret-pw@db.internal/cf"},
        "DATABASE_URL must be postgresql+psycopg://",
    ),
    ({"COMMONFIX_ENV": "production", "DATABASE_URL": "sqlite:///unused.db"}, "SECRET_KEY must be set"),
    ({"COMMONFIX_ENV": "staging"}, "COMMONFIX_ENV must be one of"),
    ({"QUEUE_URL": "reddis://:s3cret-pw@127.0.0.1:6379/0"}, "QUEUE_URL must be sqlite:///PATH"),
    ({"MAIL_BACKEND": "carrier-pigeon"}, "MAIL_BACKEND must be smtp or outbox"),
    (
        {"COMMONFIX_ENV": "production", "DATABASE_URL": "sqlite:///unused.db", "SECRET_KEY": "changeme"},
        "SECRET_KEY must be at least 32 random characters in production",
    ),
    # Found from outside: each of these started, then failed every report or pledge with a 500, or
    # made the inbox, the map or backings misbehave.
    ({"GEOCODER": "nominatim"}, "GEOCODER=nominatim needs GEOCODER_URL"),
    ({"GEOCODER": "nominatin"}, "GEOCODER must be one of gazetteer, nominatim, photon"),
    ({"PAYMENT_PROVIDER": "tresurer-confirmed"}, "PAYMENT_PROVIDER must be one of treasurer-confirmed, test"),
    ({"STAFF_TARGET_DAYS": "-3"}, "STAFF_TARGET_DAYS must be a whole number of days from 1 to 365"),
    ({"MAP_CLUSTER_MAX_ZOOM": "99"}, "MAP_CLUSTER_MAX_ZOOM must be a whole number from 0 to 18"),
    ({"BACKING_DEFAULT_CAP_CENTS": "-5"}, "BACKING_DEFAULT_CAP_CENTS must be a whole number of cents from 1"),
]


def wrong_environment(settings: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DATABASE_URL")}
    env.update({"COMMONFIX_ENV": "development", **settings})
    return env


@pytest.mark.parametrize(("settings", "named"), WRONG_SETTINGS)
def test_a_command_names_a_wrong_setting_in_one_line(settings: dict[str, str], named: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "ledger-check"],
        cwd=ROOT,
        env=wrong_environment(settings),
        capture_output=True,
        text=True,
        timeout=120,
    )
    said = (result.stdout + result.stderr).strip().splitlines()
    assert result.returncode != 0
    assert len(said) == 1, "\n".join(said)
    assert said[0].startswith("Commonfix cannot start: "), said[0]
    assert named in said[0], said[0]
    assert "s3cret-pw" not in said[0]


@pytest.mark.slow
def test_gunicorn_stops_at_a_wrong_setting_with_one_line_naming_it() -> None:
    env = wrong_environment({"CITY_TIMEZONE": "Mars/Olympus"})
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", "127.0.0.1:0", "wsgi:app"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    said = result.stdout + result.stderr
    assert result.returncode == 4, said  # gunicorn's "App failed to load"
    assert "Traceback" not in said, said
    assert "Commonfix cannot start: CITY_TIMEZONE must be a time zone name like Europe/Warsaw" in said
    assert "Booting worker" not in said  # the master checked before booting any


def test_no_deployment_tells_residents_to_pay_into_a_made_up_account() -> None:
    """Found from outside: the demo's example IBAN was every deployment's default payment instruction."""
    from config import CONFIGS

    assert "IBAN" not in CONFIGS["production"].BACKING_PAYMENT_INSTRUCTIONS
    assert "{reference}" in CONFIGS["production"].BACKING_PAYMENT_INSTRUCTIONS
    assert "IBAN NL00" in CONFIGS["development"].BACKING_PAYMENT_INSTRUCTIONS  # the demo city's example
