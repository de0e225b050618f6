"""The key that signs sessions, remember tokens and links in mail: never a constant from the repository.

SECRET_KEY from the environment wins. Otherwise development (`make run`) keeps a random key in the
instance folder (file `secret_key`, mode 600, made on first start and reused, so logins survive a
restart); tests make a fresh one per app; production refuses to start without SECRET_KEY.
Rotating it (a new SECRET_KEY, or deleting the file) logs everyone out and voids every emailed link.
"""

from __future__ import annotations

import os
import secrets
import stat
import tempfile
from pathlib import Path

from app.configuration_error import ConfigurationError

KEY_FILE = "secret_key"


class SecretKeyMissing(ConfigurationError):
    pass


def instance_secret_key(instance_path: str | Path) -> str:
    """The instance folder's key, made on first use (mode 600, never readable by other users).

    Several workers may start at once: the key is written to a private temporary file and linked into
    place, which fails if another worker got there first; then everyone reads the one that won.
    """
    folder = Path(instance_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / KEY_FILE
    if not path.exists():
        descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=".secret_key.")  # mode 600
        try:
            with os.fdopen(descriptor, "w") as handle:
                handle.write(secrets.token_urlsafe(48) + "\n")
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(temporary)
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        path.chmod(0o600)
    key = path.read_text().strip()
    if len(key) < 32:
        raise SecretKeyMissing(f"{path} holds no usable key: delete it to make a new one")
    return key


#: In production a key shorter than this, or of fewer distinct characters, is refused at start.
MIN_LENGTH = 32
MIN_DISTINCT = 10


def resolve_secret_key(configured: str | None, source: str, instance_path: str | Path) -> str:
    """SECRET_KEY if set; else by the config's SECRET_KEY_SOURCE: instance, ephemeral or required.

    Where it is required (production) it must also look random: found from outside, "abc" and
    "changeme" were accepted, and anyone who guesses the key signs sessions as any account."""
    if (
        configured
        and source == "required"
        and (len(configured) < MIN_LENGTH or len(set(configured)) < MIN_DISTINCT)
    ):
        raise SecretKeyMissing(
            f"SECRET_KEY must be at least {MIN_LENGTH} random characters in production (it has "
            f"{len(configured)}); make one with: "
            "python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"
        )
    if configured:
        return configured
    if source == "instance":
        return instance_secret_key(instance_path)
    if source == "ephemeral":
        return secrets.token_urlsafe(32)
    raise SecretKeyMissing("SECRET_KEY must be set (it is required in production)")
