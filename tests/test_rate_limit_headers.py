"""Which rate-limit headers an answer carries: X-RateLimit-* on every counted one, Retry-After only on a 429.

tests/test_rate_limits.py holds the limits themselves.
"""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.conftest import AuthActions
from tests.testcity import OLD_TOWN

pytestmark = pytest.mark.config(
    RATELIMIT_ENABLED=True, RATE_LIMIT_REPORT="1 per minute", RATE_LIMIT_EXPORT="2 per minute"
)


def test_only_a_refusal_asks_to_retry_after_and_every_counted_answer_says_how_many_remain(
    client: FlaskClient, auth: AuthActions
) -> None:
    # Retry-After tells a client to wait (RFC 9110 10.2.3: with 429 and 503); on an answer that
    # succeeded it would tell a well-behaved client to back off for nothing.
    headers = auth.headers()
    report = {**OLD_TOWN.latlon, "category": "pothole", "title": "Hole", "description": "Deep."}
    written = client.post("/api/v1/issues", json=report, headers=headers)
    reads = [client.get("/api/v1/account/export", headers=headers) for _ in range(3)]

    for response, remaining in ((written, "0"), (reads[0], "1"), (reads[1], "0")):
        assert response.status_code in (200, 201)
        assert "Retry-After" not in response.headers
        assert response.headers["X-RateLimit-Remaining"] == remaining
        assert "X-RateLimit-Limit" in response.headers
        assert "X-RateLimit-Reset" in response.headers
    assert reads[2].status_code == 429
    assert 0 < int(reads[2].headers["Retry-After"]) <= 60
    assert reads[2].headers["X-RateLimit-Remaining"] == "0"
