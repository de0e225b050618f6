"""How often the production profile starts its worker again (ops/supervised.py's RestartBudget)."""

from __future__ import annotations

from ops.supervised import RestartBudget


def test_a_worker_is_started_again_with_growing_waits_until_the_budget_is_spent() -> None:
    budget = RestartBudget(most=5, window_s=600)
    assert [budget.next_delay(10.0 * i) for i in range(5)] == [1.0, 2.0, 4.0, 8.0, 16.0]
    assert budget.next_delay(50.0) is None  # a sixth exit within ten minutes: stop everything


def test_exits_older_than_the_window_no_longer_count() -> None:
    budget = RestartBudget(most=2, window_s=600)
    assert budget.next_delay(0.0) == 1.0
    assert budget.next_delay(100.0) == 2.0
    assert budget.next_delay(200.0) is None
    assert budget.next_delay(650.0) == 2.0  # the exit at 0 s has left the window: one left in it
    assert budget.next_delay(690.0) is None  # the exits at 100 s and 650 s are both within it


def test_the_wait_is_at_most_half_a_minute() -> None:
    budget = RestartBudget(most=10, window_s=3600)
    assert [budget.next_delay(float(i)) for i in range(8)][-3:] == [30.0, 30.0, 30.0]
