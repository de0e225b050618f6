"""budgets.accounts: the ledger's account names are built and read back by one module."""

from __future__ import annotations

import pytest

from budgets.accounts import (
    CITY_MATCH,
    available_account,
    is_resident_account,
    is_rollover_account,
    issue_account,
    issue_of_account,
    pool_of_account,
    resident_account,
    rollover_account,
)


def test_names_read_back_as_what_they_were_built_from() -> None:
    assert pool_of_account(available_account(7)) == 7
    assert pool_of_account(rollover_account(7)) == 7
    assert issue_of_account(issue_account(42)) == 42
    assert is_resident_account(resident_account(3))
    assert is_rollover_account(rollover_account(7))
    assert not is_rollover_account(available_account(7))


@pytest.mark.parametrize(
    "account",
    [CITY_MATCH, resident_account(1), issue_account(1), "pool:\u00b2:available", "pool:1:other", "pool:1"],
)
def test_other_accounts_belong_to_no_pool(account: str) -> None:
    assert pool_of_account(account) is None


@pytest.mark.parametrize("account", [CITY_MATCH, available_account(1), "issue:\u0661:funded", "issue:1"])
def test_other_accounts_fund_no_issue(account: str) -> None:
    assert issue_of_account(account) is None
