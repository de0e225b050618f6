"""The LIKE patterns the database classes accounts by (`ACCOUNT_CLASSES`) agree with the readers Python
classes them by, for every kind of account the builders make."""

from __future__ import annotations

import re

import pytest

from budgets.accounts import (
    ACCOUNT_CLASSES,
    CITY_MATCH,
    AccountClass,
    available_account,
    escrow_account,
    escrow_of_account,
    is_payee_account,
    is_resident_account,
    issue_account,
    issue_of_account,
    payee_account,
    pool_of_account,
    resident_account,
    rollover_account,
)


def like(pattern: str, text: str) -> bool:
    """SQL LIKE as PostgreSQL reads it (case-sensitive; `%` any text, `_` one character)."""
    spelled = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return re.fullmatch(spelled, text, re.DOTALL) is not None


def class_by_patterns(account: str) -> str:
    for name, patterns in ACCOUNT_CLASSES:
        if any(like(p, account) for p in patterns):
            return name
    return AccountClass.OTHER


def class_by_readers(account: str) -> str:
    if is_resident_account(account):
        return AccountClass.RESIDENT
    if account == CITY_MATCH:
        return AccountClass.CITY_MATCH
    if pool_of_account(account) is not None:
        return AccountClass.POOL
    if issue_of_account(account) is not None:
        return AccountClass.FUNDED
    if escrow_of_account(account) is not None:
        return AccountClass.ESCROW
    if is_payee_account(account):
        return AccountClass.PAYEE
    return AccountClass.OTHER


BUILT = [CITY_MATCH] + [
    build(n)
    for n in (1, 7, 10, 123, 99_999_999)
    for build in (
        resident_account,
        available_account,
        rollover_account,
        issue_account,
        escrow_account,
        payee_account,
    )
]


@pytest.mark.parametrize("account", BUILT)
def test_the_patterns_class_every_built_account_as_its_reader_does(account: str) -> None:
    assert class_by_patterns(account) == class_by_readers(account) != AccountClass.OTHER


def test_every_class_but_other_has_patterns_and_a_built_account() -> None:
    named = {name for name, _ in ACCOUNT_CLASSES}
    assert named == {class_by_readers(a) for a in BUILT}
    assert AccountClass.OTHER not in named
