"""Fixtures for funding tests: groups with pools, members and admins, pledges through the services."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from app.extensions import db
from app.models import LedgerLine, LedgerPosting, Pledge, Pool, User
from app.services.funding import groups, ledger, pledges
from app.services.funding.payments import TestProvider, TreasurerConfirmed
from tests import factories

_serial = itertools.count(1)


@dataclass(frozen=True)
class GroupRef:
    group_id: int
    pool_id: int


class Funding:
    """Builds groups, members and pledges, each committed in its own app context."""

    def __init__(self, app: Flask, city: dict[str, int]) -> None:
        self.app = app
        self.city = city

    def group(
        self, area: str = "Old Town", name: str | None = None, currency: str | None = None, **kwargs: Any
    ) -> GroupRef:
        """A group with its pool; with `currency`, a pool in another currency than the city's, as one
        made before pools were held to the city's currency (groups.create_group refuses them now)."""
        with self.app.app_context():
            group = groups.create_group(
                db.session, None, self.city[area], name or f"{area} group {next(_serial)}", **kwargs
            )
            ref = GroupRef(group.id, groups.get_group_row(db.session, group.id).pool_id)
            if currency is not None:
                db.session.execute(update(Pool).where(Pool.id == ref.pool_id).values(currency=currency))
            db.session.commit()
            return ref

    def member(self, ref: GroupRef, *, admin: bool = False, **user_kwargs: Any) -> User:
        with self.app.app_context():
            db.session().expire_on_commit = False
            user = factories.new_user(db.session(), **user_kwargs)
            groups.join(db.session, user, ref.group_id, as_admin=admin)
            db.session.commit()
            return user

    def pledge(
        self, ref: GroupRef, user: User, cents: int, *, confirm: bool = True, show_name: bool = False
    ) -> int:
        with self.app.app_context():
            provider = TestProvider() if confirm else TreasurerConfirmed()
            fresh = db.session.get(User, user.id)
            outcome = pledges.pledge(
                db.session, fresh, ref.pool_id, cents, f"k-{next(_serial)}", provider, show_name=show_name
            )
            db.session.commit()
            return outcome.pledge.id

    def balance(self, ref: GroupRef) -> ledger.PoolBalance:
        with self.app.app_context():
            return ledger.pool_balance(db.session, ref.pool_id)

    def counts(self) -> tuple[int, int, int]:
        """(pledges, postings, lines) in the database."""
        with self.app.app_context():
            return tuple(  # type: ignore[return-value]
                int(db.session.scalar(select(func.count()).select_from(m)) or 0)
                for m in (Pledge, LedgerPosting, LedgerLine)
            )


@pytest.fixture
def funding(app: Flask, city: dict[str, int]) -> Funding:
    return Funding(app, city)


MakeUser = Callable[..., User]
