"""Stateful property test: random pledges, confirmations, matches, allocations, refunds and rollovers
through the services keep every ledger invariant, and the hash chain over every posting, after each step
(SpatiaLite, bounded examples)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from app.extensions import db
from app.models import User
from app.services.funding import groups, ledger, ledger_chain, matching, pledges
from app.services.funding.payments import TestProvider, TreasurerConfirmed
from app.services.funding.transparency import all_postings
from app.services.kernel.errors import DomainError
from budgets.ledger import first_violation
from tests import factories

MAX_PLEDGE = 5_000


@pytest.mark.parametrize("backend", ["spatialite"], indirect=True)
def test_ledger_invariants_hold_under_random_operations(app, city) -> None:
    serial = itertools.count(1)
    rounds = itertools.count(1)

    class PoolMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.ctx = app.app_context()
            self.ctx.push()
            session = db.session
            group = groups.create_group(
                session, None, city["Old Town"], f"Group {next(serial)}", max_pledge_cents=MAX_PLEDGE
            )
            self.pool_id = groups.get_group_row(session, group.id).pool_id
            self.admin = factories.new_user(session)
            groups.join(session, self.admin, group.id, as_admin=True)
            self.members = []
            for _ in range(3):
                user = factories.new_user(session)
                groups.join(session, user, group.id)
                self.members.append(user.id)
            session.commit()
            self.pending: list[int] = []
            self.model = {"confirmed": 0, "pending": 0, "matched": 0, "allocated": 0, "refunded": 0}
            self.balance = 0

        def teardown(self) -> None:
            db.session.remove()
            self.ctx.pop()

        def _commit_or_undo(self, action):  # type: ignore[no-untyped-def]
            try:
                result = action()
            except DomainError:
                db.session.rollback()
                return None
            db.session.commit()
            return result

        @rule(member=st.integers(0, 2), cents=st.integers(-100, MAX_PLEDGE + 100), now=st.booleans())
        def pledge(self, member: int, cents: int, now: bool) -> None:
            user = db.session.get(User, self.members[member])
            provider = TestProvider() if now else TreasurerConfirmed()
            before = self.balance
            outcome = self._commit_or_undo(
                lambda: pledges.pledge(db.session, user, self.pool_id, cents, f"k{next(serial)}", provider)
            )
            valid = 100 <= cents <= MAX_PLEDGE
            assert (outcome is not None) == valid
            if outcome is None:
                assert self.balance == before
                return
            if now:
                self.model["confirmed"] += cents
                self.balance += cents
            else:
                self.model["pending"] += cents
                self.pending.append(outcome.pledge.id)

        @precondition(lambda self: self.pending)
        @rule(data=st.data())
        def confirm(self, data: st.DataObject) -> None:
            pledge_id = data.draw(st.sampled_from(self.pending))
            admin = db.session.get(User, self.admin.id)
            found = self._commit_or_undo(lambda: pledges.confirm(db.session, admin, pledge_id))
            self.pending.remove(pledge_id)
            self.model["pending"] -= found.amount_cents
            self.model["confirmed"] += found.amount_cents
            self.balance += found.amount_cents

        @rule(num=st.integers(1, 3), den=st.integers(1, 3), cap=st.integers(1, 20_000))
        def match(self, num: int, den: int, cap: int) -> None:
            result = self._commit_or_undo(
                lambda: matching.apply_match(db.session, self.pool_id, next(rounds), num, den, cap)
            )
            assert result.matched_cents == min(cap, result.base_cents * num // den)
            self.model["matched"] += result.matched_cents
            self.balance += result.matched_cents

        @rule(parts=st.lists(st.integers(0, 4_000), min_size=1, max_size=4))
        def allocate(self, parts: list[int]) -> None:
            allocations = [(i + 1, c) for i, c in enumerate(parts)]
            posted = self._commit_or_undo(
                lambda: ledger.post_allocation(db.session, self.pool_id, next(rounds), allocations) or True
            )
            if sum(parts) > self.balance:
                assert posted is None
                return
            self.model["allocated"] += sum(parts)
            self.balance -= sum(parts)

        @rule(share=st.integers(0, 100), carry=st.booleans())
        def leftover(self, share: int, carry: bool) -> None:
            cents = self.balance * share // 100
            helper = ledger.post_rollover if carry else ledger.post_refunds
            self._commit_or_undo(lambda: helper(db.session, self.pool_id, next(rounds), cents) or True)
            if not carry:
                self.model["refunded"] += cents
                self.balance -= cents

        @invariant()
        def ledger_invariants_hold(self) -> None:
            postings = [p for p in all_postings(db.session) if p.pool_id == self.pool_id]
            confirmed = pledges.confirmed_by_pool(db.session).get(self.pool_id, 0)
            assert first_violation(postings, {self.pool_id: confirmed}) is None
            figures = ledger.pool_balance(db.session, self.pool_id)
            assert figures.confirmed_cents == self.model["confirmed"]
            assert figures.pending_cents == self.model["pending"]
            assert figures.matched_cents == self.model["matched"]
            assert figures.allocated_cents == self.model["allocated"]
            assert figures.refunded_cents == self.model["refunded"]
            assert figures.balance_cents == self.balance
            assert 0 <= figures.rolled_over_cents <= figures.balance_cents
            assert figures.confirmed_cents + figures.matched_cents == (
                figures.allocated_cents + figures.refunded_cents + figures.balance_cents
            )

        @invariant()
        def hash_chain_holds(self) -> None:
            # Every committed posting has its place in the chain, and the chain recomputes.
            assert ledger_chain.check_chain(db.session) is None
            assert ledger_chain.tip(db.session).postings == len(all_postings(db.session))

    run_state_machine_as_test(
        PoolMachine,
        settings=settings(
            max_examples=25,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
