"""The signing key is never a constant from the repository: a random key in the instance folder (mode
600, reused) for `make run`, a fresh one per app in tests, and production refuses to start without one."""

from __future__ import annotations

import ast
import hashlib
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature, URLSafeTimedSerializer

from app import create_app
from app.models import User
from app.models.account import Role
from app.secret_key import SecretKeyMissing, instance_secret_key, resolve_secret_key
from config import DevelopmentConfig, ProductionConfig

ROOT = Path(__file__).resolve().parent.parent
OLD_CONSTANTS = ["dev-only-not-secret", "testing-not-secret"]  # what config.py held before


def repository_strings() -> set[str]:
    """Every string literal in the app's code, its config and its tests: all a forger could read."""
    found = set(OLD_CONSTANTS)
    for folder in ("app", "tests", "bench", "budgets", "geo"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if (
                    isinstance(node, ast.Constant)
                    and isinstance(node.value, str)
                    and 0 < len(node.value) < 200
                ):
                    found.add(node.value)
    for path in (ROOT / "config.py", ROOT / "wsgi.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.add(node.value)
    return found


def forged_cookie(key: str, payload: dict[str, object]) -> str:
    """A session cookie as Flask would sign it with `key`."""
    interface = SecureCookieSessionInterface()
    serializer = URLSafeTimedSerializer(
        key,
        salt=interface.salt,
        serializer=interface.serializer,
        signer_kwargs={"key_derivation": interface.key_derivation, "digest_method": hashlib.sha1},
    )
    return serializer.dumps(payload)


def test_the_instance_key_is_random_private_and_reused(tmp_path: Path) -> None:
    first = instance_secret_key(tmp_path)
    path = tmp_path / "secret_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) >= 48
    assert instance_secret_key(tmp_path) == first
    path.chmod(0o644)
    assert instance_secret_key(tmp_path) == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert instance_secret_key(tmp_path / "other") != first


def test_an_unusable_key_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "secret_key").write_text("short\n")
    with pytest.raises(SecretKeyMissing, match="delete it to make a new one"):
        instance_secret_key(tmp_path)


def test_production_refuses_to_start_without_a_key(tmp_path: Path) -> None:
    with pytest.raises(SecretKeyMissing, match="SECRET_KEY must be set"):
        resolve_secret_key(None, "required", tmp_path)
    with pytest.raises(SecretKeyMissing):
        create_app(ProductionConfig, {"SECRET_KEY": "", "SQLALCHEMY_DATABASE_URI": "sqlite://"})


@pytest.mark.parametrize("weak", ["abc", "changeme", "x" * 64, "0123456789" * 3])
def test_production_refuses_a_short_or_guessable_key(tmp_path: Path, weak: str) -> None:
    """Found from outside: SECRET_KEY=abc started production, and whoever guesses the key signs
    sessions as any account."""
    with pytest.raises(SecretKeyMissing, match="must be at least 32 random characters in production"):
        resolve_secret_key(weak, "required", tmp_path)
    assert resolve_secret_key("k3JqX9vT2mPzR7wLcY4hN8bF6dG1sA5e", "required", tmp_path)


def test_a_configured_key_wins_and_tests_get_a_fresh_one(tmp_path: Path) -> None:
    assert (
        resolve_secret_key("from-the-environment-" * 3, "instance", tmp_path) == "from-the-environment-" * 3
    )
    assert resolve_secret_key(None, "ephemeral", tmp_path) != resolve_secret_key(None, "ephemeral", tmp_path)
    assert not (tmp_path / "secret_key").exists()


def test_make_run_signs_with_the_instance_key(tmp_path: Path) -> None:
    app = create_app(DevelopmentConfig, {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'dev.sqlite3'}"})
    assert app.config["SECRET_KEY"] == instance_secret_key(app.instance_path)
    assert app.config["SECRET_KEY"] not in repository_strings()


def test_no_string_in_the_repository_signs_a_session_the_app_accepts(app: Flask) -> None:
    reader = SecureCookieSessionInterface().get_signing_serializer(app)
    assert reader is not None
    payload = {"_user_id": "2", "_fresh": True}
    assert (
        reader.loads(forged_cookie(app.config["SECRET_KEY"], payload)) == payload
    )  # the forger's method works
    for constant in repository_strings():
        with pytest.raises(BadSignature):
            reader.loads(forged_cookie(constant, payload))


def test_a_forged_admin_session_is_refused(app: Flask, make_user: Callable[..., User]) -> None:
    admin = make_user(role=Role.ADMIN.value)
    client = app.test_client()
    for key in OLD_CONSTANTS:
        client.set_cookie("session", forged_cookie(key, {"_user_id": str(admin.id), "_fresh": True}))
        assert client.get("/staff/admin/audit").status_code != 200
    # Even signed with the real key, a bare account id is no login: a login is a row the cookie names.
    client.set_cookie(
        "session", forged_cookie(app.config["SECRET_KEY"], {"_user_id": str(admin.id), "_fresh": True})
    )
    assert client.get("/staff/admin/audit").status_code != 200
