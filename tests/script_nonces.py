"""Each response has a script nonce of its own (app/security.py): in a page's inline scripts and in its
content security policy. Tests that compare two responses set the nonces aside."""

from __future__ import annotations

import re

NONCE = re.compile(r"""(nonce="|'nonce-)[A-Za-z0-9_-]+""")
NONCE_BYTES = re.compile(NONCE.pattern.encode())


def without_nonces(text: str) -> str:
    return NONCE.sub(r"\1N", text)


def without_nonces_in_bytes(body: bytes) -> bytes:
    return NONCE_BYTES.sub(rb"\1N", body)
