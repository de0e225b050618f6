"""The one place that turns census identifiers and voting codes into the hashes the database keeps.

Identifiers are normalised (case, spaces and dashes ignored) so "12345678-z" and "12345678 Z" match.
Codes are 12 characters of an alphabet without look-alikes (no 0/O, 1/I/L), shown in groups of four.
"""

from __future__ import annotations

import hashlib
import re
import secrets

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 12
_IGNORED = re.compile(r"[\s\-_.]+")


def normalise(text: str) -> str:
    """Upper case without spaces, dashes, underscores or dots."""
    return _IGNORED.sub("", text).upper()


def new_salt() -> str:
    return secrets.token_hex(16)


def census_hash(salt: str, identifier: str) -> str:
    """sha256 of the upload's salt and the normalised identifier, as hex."""
    return hashlib.sha256(f"{salt}:{normalise(identifier)}".encode()).hexdigest()


def new_code() -> str:
    """A fresh one-time code, grouped for reading aloud: 'ABCD-EFGH-JKMN'."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def code_hash(code: str) -> str:
    """sha256 of the normalised code, as hex."""
    return hashlib.sha256(normalise(code).encode()).hexdigest()
