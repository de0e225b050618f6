"""Starting a cluster whose data folder already has a server running (the production profile run a second
time, or again after its supervisor was killed and left the server behind) is refused with a message
naming the running server, and that server goes on serving: nothing stops it."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.ports import free_port
from tests.postgis_cluster import ClusterUnavailable, running_cluster

pytestmark = pytest.mark.postgis


def test_a_second_start_on_a_running_cluster_is_refused_and_leaves_it_serving() -> None:
    with running_cluster() as first:
        url_before = first.url("postgres")
        second = replace(first, port=0, running=False, databases=[])

        with pytest.raises(ClusterUnavailable, match="already running") as refused:
            second.start(port=free_port())

        assert str(first.data_dir) in str(refused.value)
        assert not second.running
        with first.connect() as conn:  # the first server still answers, on its own port
            assert conn.execute("SELECT 1").fetchone() == (1,)
        assert first.url("postgres") == url_before
