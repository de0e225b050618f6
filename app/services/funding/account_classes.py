"""Ledger accounts told apart in SQL by their class (budgets.accounts.ACCOUNT_CLASSES: LIKE patterns built
from the same names as the account builders and readers), so a statement can group or pick lines by it."""

from __future__ import annotations

from sqlalchemy import ColumnElement, SQLColumnExpression, case, or_

from budgets.accounts import ACCOUNT_CLASSES, AccountClass, available_account, rollover_account

_PATTERNS = dict(ACCOUNT_CLASSES)


def is_of_class(account: SQLColumnExpression[str], name: str) -> ColumnElement[bool]:
    """Whether `account` is of the class `name` (one of ACCOUNT_CLASSES'), in SQL."""
    return or_(*(account.like(pattern) for pattern in _PATTERNS[name]))


def account_class(account: SQLColumnExpression[str], pool_id: int | None = None) -> ColumnElement[str]:
    """The AccountClass of `account`, in SQL. With `pool_id`, only that pool's accounts are POOL and
    other pools' are OTHER_POOL."""
    whens: list[tuple[ColumnElement[bool], str]] = []
    if pool_id is not None:
        own = [available_account(pool_id), rollover_account(pool_id)]
        whens.append((account.in_(own), AccountClass.POOL))
    for name, _patterns in ACCOUNT_CLASSES:
        shown = AccountClass.OTHER_POOL if pool_id is not None and name == AccountClass.POOL else name
        whens.append((is_of_class(account, name), shown))
    return case(*whens, else_=AccountClass.OTHER)
