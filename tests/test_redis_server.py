"""The test Redis is a real server: it answers, and stopping it is a real outage that start() ends."""

from __future__ import annotations

import pytest
import redis

from tests.redis_server import RedisServer


def test_redis_server_is_real_and_can_be_stopped_and_restarted(redis_server: RedisServer) -> None:
    with redis.Redis.from_url(redis_server.url(15), socket_timeout=2) as client:
        client.set("probe", "1")
        assert client.get("probe") == b"1"
    redis_server.stop()
    with (
        pytest.raises(redis.ConnectionError),
        redis.Redis.from_url(redis_server.url(15), socket_timeout=2) as client,
    ):
        client.ping()
    redis_server.start()
    with redis.Redis.from_url(redis_server.url(15), socket_timeout=2) as client:
        assert client.ping()
