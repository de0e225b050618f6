"""Gunicorn's access log without the secrets some links carry in their path.

A password-reset, email-confirmation or unsubscribe link is a signed token in the URL: whoever reads the
access log (found from outside: the full reset token, usable until it expires) could use it. Gunicorn
(gunicorn.conf.py: `logger_class`) logs each request through this class, which writes `<token>` in
place of the token wherever a line would show the path: the request line, the path and the referrer.
"""

from __future__ import annotations

import re
from typing import Any

from gunicorn.glogging import Logger

# The routes whose last path segment is a token (app/auth, app/follows).
TOKEN_PATH = re.compile(
    r"(/account/(?:password/reset|confirm|email/confirm)/|/unsubscribe/)(?!resend\b)[^/?#\s\"]+"
)
# The log atoms that hold a path: the request line, the path, the referrer.
PATH_ATOMS = ("r", "U", "f", "{referer}i")


def mask_tokens(text: str) -> str:
    """The text with each link token replaced by `<token>`."""
    return TOKEN_PATH.sub(r"\1<token>", text)


class MaskedTokensLogger(Logger):
    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        found: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        for key in PATH_ATOMS:
            if isinstance(found.get(key), str):
                found[key] = mask_tokens(found[key])
        return found
