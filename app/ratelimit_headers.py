"""Which rate-limit headers an answer carries: X-RateLimit-* on every counted answer, Retry-After only on
a refusal.

Flask-Limiter (RATELIMIT_HEADERS_ENABLED, config.py) sets Retry-After on every answer of a limited route,
the successful ones too, and has no setting to leave it out. Retry-After asks the client to wait
(RFC 9110 10.2.3: with 503, or 429 as RFC 6585 adds); on a 200 or a 201 it tells a careful client to
back off for nothing. The limits, how many remain and when the window resets stay on every answer.
"""

from __future__ import annotations

from flask import Flask, Response

# The answers that ask a client to come back later: a rate limit's 429, an outage's or a migration's 503.
WAIT_STATUSES = (429, 503)


def retry_after_only_when_refused(response: Response) -> Response:
    if response.status_code not in WAIT_STATUSES:
        response.headers.pop("Retry-After", None)
    return response


def register_retry_after_rule(app: Flask) -> None:
    """Register before Flask-Limiter's own after_request hook: Flask runs those hooks in reverse order of
    registration, so this one sees the headers Flask-Limiter added."""
    app.after_request(retry_after_only_when_refused)
