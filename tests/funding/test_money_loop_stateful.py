# ruff: noqa: F811  (fixtures are imported, then requested by name)
"""Money that must never be wrong (issue 18): a stateful property test over the whole money loop.

Several residents back several problems (with idempotent retries) and pledge to their area's pool; a
matching period closes by hand or on schedule; deadlines pass; problems are closed or merged; a round's
certification funds a backed problem; officials pay out, return remainders and try to mark problems
fixed; accounts are deleted. After every step: every posting sums to zero, no account the platform holds
goes negative, every cent a resident gave is committed to a funded problem, paid out, refunded or in a
pool (the ledger and the backings and pledges tables counted independently), and ledger-check's checks
pass, hash chain included. Runs on both engines with the services, the jobs' own functions and the API.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select, update

from app.extensions import db
from app.jobs.backing_settlement import settle_due_at
from app.jobs.matching_schedule import close_due_at
from app.models import Issue, LedgerLine, LedgerPosting, Pledge, User
from app.models.backing import MOVED_PROVIDER, Backing, MatchingPeriod
from app.models.timestamps import utcnow
from app.services.funding import backing_settlement, backings, ledger_chain, payouts, pledges, quadratic_match
from app.services.funding.payments import TestProvider
from app.services.funding.transparency import all_postings, check_ledger
from app.services.issues.money import money_of
from app.services.kernel.errors import DomainError
from app.services.mydata import deletion
from app.services.workflow import duplicates, status_changes
from budgets import accounts
from budgets.accounts import PostingKind, resident_account
from budgets.ledger import balances
from tests import factories
from tests.funding.round_world import RoundWorld
from tests.funding_fixtures import funding  # noqa: F401

COSTS = (2_000, 7_000)  # two problems in Old Town: one a single resident can fund, one it takes a match
RESIDENTS = 3
CAP = 2_500  # one resident's backings of one problem, in the period
MOVED = MOVED_PROVIDER  # a pledge made of a backing moved to the pool: not new money
_serial = itertools.count(1)


def money_loop(app, client, auth, funding, make_issue, make_user):  # type: ignore[no-untyped-def]
    """The state machine's class, bound to this test's app and fixtures."""
    app.config["BACKING_DEFAULT_CAP_CENTS"] = CAP

    class MoneyLoop(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.world = RoundWorld(app, client, auth, funding, make_issue, make_user)
            self.world.build(members=RESIDENTS, costs=COSTS)
            self.ctx = app.app_context()
            self.ctx.push()
            session = db.session
            start = utcnow()
            # The residents joined before the period opened, so they count for the city's match.
            self.period = MatchingPeriod(
                name=f"Loop {next(_serial)}",
                area_id=session.scalar(select(Issue.area_id).where(Issue.id == self.world.issues[0])),
                opens_at=start,
                closes_at=start + timedelta(hours=24),
                fund_cents=4_000,
                problem_cap_cents=1_500,
                backer_cap_cents=CAP,
            )
            session.add(self.period)
            session.commit()
            self.period_id = self.period.id
            self.now = start + timedelta(seconds=1)
            self.residents = [u.id for u in self.world.members]
            self.issues = list(self.world.issues)
            self.keys: dict[int, tuple[str, int, int]] = {}  # resident -> their last (key, issue, cents)
            self.backed = dict.fromkeys(self.residents, 0)  # cents each resident's backings paid
            self.pledged = dict.fromkeys(self.residents, 0)  # cents each resident pledged (confirmed)
            self.rounds = 0
            self.period_closed = False
            self.deadline = start + timedelta(hours=24)

        def teardown(self) -> None:
            # This example's campaign ends: its problems close (their escrow settles) and its period
            # closes, so the next example's backings join its own period.
            session = db.session
            session.rollback()
            session.execute(
                update(Issue).where(Issue.id.in_(self.issues), Issue.status == "open").values(status="closed")
            )
            for issue_id in self.issues:
                backing_settlement.settle_issue(session, issue_id, self.now)
            session.execute(
                update(MatchingPeriod)
                .where(MatchingPeriod.id == self.period_id, MatchingPeriod.closed_at.is_(None))
                .values(closed_at=self.now)
            )
            session.commit()
            self.check_every_invariant()
            session.remove()
            self.ctx.pop()

        def _do(self, action):  # type: ignore[no-untyped-def]
            try:
                result = action()
            except DomainError:
                db.session.rollback()
                return None
            db.session.commit()
            return result

        def _user(self, user_id: int) -> User:
            found = db.session.get(User, user_id)
            assert found is not None
            return found

        def _official(self) -> User:
            assert self.world.official is not None
            return self._user(self.world.official.id)

        @rule(
            who=st.integers(0, RESIDENTS - 1),
            which=st.integers(0, len(COSTS) - 1),
            cents=st.one_of(st.integers(-50, CAP + 50), st.sampled_from([0, 1, 500, 1_000, CAP])),
            retry=st.booleans(),
            fallback=st.sampled_from(["refund", "pool"]),
        )
        def back(self, who: int, which: int, cents: int, retry: bool, fallback: str) -> None:
            user_id = self.residents[who % len(self.residents)]
            if retry and user_id in self.keys:  # the same request again: one backing, not two
                key, issue_id, cents = self.keys[user_id]
            else:
                key, issue_id = f"b{next(_serial)}", self.issues[which]
            user = self._user(user_id)
            outcome = self._do(
                lambda: backings.back(
                    db.session, user, issue_id, cents, key, TestProvider(), self.now, fallback=fallback
                )
            )
            if outcome is None:
                return
            assert 0 < cents <= CAP
            if retry and self.keys.get(user_id, ("",))[0] == key:
                assert not outcome.created
                return
            assert outcome.created
            self.keys[user_id] = (key, issue_id, cents)
            self.backed[user_id] += cents

        @rule(who=st.integers(0, RESIDENTS - 1), cents=st.integers(50, 4_000))
        def pledge(self, who: int, cents: int) -> None:
            user_id = self.residents[who % len(self.residents)]
            assert self.world.ref is not None
            pool_id = self.world.ref.pool_id
            done = self._do(
                lambda: pledges.pledge(
                    db.session, self._user(user_id), pool_id, cents, f"p{next(_serial)}", TestProvider()
                )
            )
            if done is not None:
                self.pledged[user_id] += cents

        @precondition(lambda self: not self.period_closed)
        @rule()
        def close_period_by_hand(self) -> None:
            official = self._official()
            self._do(lambda: quadratic_match.close_by_hand(db.session, official, self.period_id, self.now))
            self.period_closed = True  # closed now, or by the schedule before (409)

        @rule(hours=st.sampled_from([1, 12, 30]))
        def time_passes(self, hours: int) -> None:
            """The clock moves on and both schedules run: due periods close, ended campaigns settle."""
            self.now += timedelta(hours=hours)
            self.period_closed = self.period_closed or self.now >= self.deadline
            close_due_at(self.now)
            settle_due_at(self.now)

        @rule(which=st.integers(0, len(COSTS) - 1), merge=st.booleans())
        def close_problem(self, which: int, merge: bool) -> None:
            issue_id = self.issues[which]
            official = self._official()
            if merge:
                into = self.issues[(which + 1) % len(self.issues)]
                self._do(lambda: duplicates.mark_duplicate(db.session, official, issue_id, into))
            else:
                self._do(
                    lambda: status_changes.change_status(
                        db.session, official, issue_id, "closed", "Closed by the city."
                    )
                )

        @precondition(lambda self: self.rounds < 2)
        @rule(which=st.integers(0, len(COSTS) - 1), pledge=st.integers(3_000, 9_000))
        def certified_round_funds(self, which: int, pledge: int) -> None:
            """A member pledges, the group's round funds one problem by its members' votes, certified."""
            self.rounds += 1
            world, issue_id = self.world, self.issues[which]
            assert world.ref is not None
            voter = world.members[0]
            if voter.id not in self.residents:
                return
            # The API's requests push their own app context (a shared one would share flask.g).
            db.session.remove()
            self.ctx.pop()
            try:
                world.funding.pledge(world.ref, voter, pledge)
                self.pledged[voter.id] += pledge
                created = world.create(top_n=500, leftover="refund")
                world.open_voting(created["id"])
                world.vote(voter, created["id"], issue_ids=[issue_id])
                tallied = world.tally(created["id"])
                assert tallied.status_code == 200, tallied.get_json()
                certified = world.certify(created["id"])
                assert certified.status_code == 200, certified.get_json()
            finally:
                self.ctx = app.app_context()
                self.ctx.push()

        @rule(which=st.integers(0, len(COSTS) - 1), cents=st.integers(1, 12_000))
        def payout(self, which: int, cents: int) -> None:
            official, issue_id = self._official(), self.issues[which]
            fields = {"payee_kind": "contractor", "payee_name": "Fixers Ltd", "amount_cents": cents}
            fields |= {"invoice_ref": f"F-{next(_serial)}", "paid_on": utcnow().date()}
            asked = payouts.parse_payout(official, issue_id, **fields)
            self._do(lambda: payouts.record_payout(db.session, official, asked))

        @rule(which=st.integers(0, len(COSTS) - 1))
        def return_remainder(self, which: int) -> None:
            official = self._official()
            self._do(lambda: payouts.return_remainder(db.session, official, self.issues[which]))

        @rule(which=st.integers(0, len(COSTS) - 1))
        def mark_fixed(self, which: int) -> None:
            """Fixed only once the committed money is paid out or returned."""
            issue_id, official = self.issues[which], self._official()
            done = self._do(
                lambda: status_changes.change_status(db.session, official, issue_id, "fixed", "Fixed.")
            )
            if done is not None:
                assert money_of(db.session, issue_id).remaining_cents == 0

        @precondition(lambda self: len(self.residents) > 1)
        @rule(who=st.integers(0, RESIDENTS - 1))
        def delete_account(self, who: int) -> None:
            user_id = self.residents[who % len(self.residents)]
            user = self._user(user_id)
            if (
                self._do(lambda: deletion.delete_account(db.session, user, factories.DEFAULT_PASSWORD))
                is None
            ):
                pass
            if self._user(user_id).deleted_at is not None:
                self.residents.remove(user_id)

        @invariant()
        def money_is_right(self) -> None:
            self.check_every_invariant()

        def check_every_invariant(self) -> None:
            session = db.session
            session.expire_all()
            # ledger-check: the same two checks the CLI runs.
            violation, count = check_ledger(session)
            assert violation is None, str(violation)
            assert ledger_chain.check_chain(session) is None
            assert ledger_chain.tip(session).postings == count
            postings = all_postings(session)
            for posting in postings:
                assert sum(line.amount_cents for line in posting.lines) == 0, posting
            balance = balances(postings)
            for account, cents in balance.items():
                owners = (accounts.pool_of_account, accounts.issue_of_account, accounts.escrow_of_account)
                held_by_platform = any(owner(account) is not None for owner in owners)
                assert not held_by_platform or cents >= 0, (account, cents)
            self.check_residents(balance)
            session.rollback()

        def check_residents(self, balance: dict[str, int]) -> None:
            """Each resident's money, from the tables and from the ledger, counted apart."""
            session = db.session
            mine = list(self.backed)
            by_status: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
            committed_to: dict[tuple[int, int], int] = defaultdict(int)
            for user_id, issue_id, cents, status in session.execute(
                select(Backing.user_id, Backing.issue_id, Backing.amount_cents, Backing.status).where(
                    Backing.user_id.in_(mine)
                )
            ).tuples():
                by_status[user_id][status] += cents
                if status == "committed":
                    committed_to[(user_id, issue_id)] += cents
            pledged: dict[tuple[int, bool], int] = defaultdict(int)
            for user_id, cents, provider in session.execute(
                select(Pledge.user_id, Pledge.amount_cents, Pledge.provider).where(
                    Pledge.user_id.in_(mine), Pledge.status == "confirmed"
                )
            ).tuples():
                pledged[(user_id, provider == MOVED)] += cents
            # Money the ledger gave back to each resident: from escrows (unback), from problems'
            # remainders (return, per problem) and from pools (refund).
            back: dict[tuple[int, str], int] = defaultdict(int)
            returned_from: dict[tuple[int, int], int] = defaultdict(int)
            accounts = {resident_account(u): u for u in mine}
            for kind, issue_id, account, cents in session.execute(
                select(
                    LedgerPosting.kind, LedgerPosting.issue_id, LedgerLine.account, LedgerLine.amount_cents
                )
                .join(LedgerLine, LedgerLine.posting_id == LedgerPosting.id)
                .where(LedgerLine.account.in_(list(accounts)), LedgerLine.amount_cents > 0)
            ).tuples():
                user_id = accounts[account]
                back[(user_id, kind)] += cents
                if kind == PostingKind.RETURN:
                    returned_from[(user_id, issue_id)] += cents
            for user_id in mine:
                status = by_status[user_id]
                assert sum(status.values()) == self.backed[user_id]
                assert pledged[(user_id, False)] == self.pledged[user_id]
                # A backing that left its escrow came back whole: refunded, or moved into the pool
                # as the resident's pledge.
                assert back[(user_id, PostingKind.UNBACK)] == status["refunded"] + status["moved"]
                assert pledged[(user_id, True)] == status["moved"]
                # Nobody gets back from a problem more than they committed to it.
                for (who, issue_id), cents in returned_from.items():
                    if who == user_id:
                        assert cents <= committed_to[(user_id, issue_id)], (user_id, issue_id, cents)
                gave = self.backed[user_id] + self.pledged[user_id]
                out = gave - status["refunded"] - back[(user_id, PostingKind.RETURN)]
                out -= back[(user_id, PostingKind.REFUND)]
                assert -balance.get(resident_account(user_id), 0) == out
                assert 0 <= back[(user_id, PostingKind.REFUND)] <= self.pledged[user_id] + status["moved"]
                assert out >= 0
                # Where the rest is: held in an escrow, committed to a funded problem (paid out or not),
                # or in the pool as a pledge.
                in_play = status["held"] + status["committed"] + self.pledged[user_id] + status["moved"]
                assert out <= in_play
            for issue_id in self.issues:
                held = session.scalars(
                    select(Backing.amount_cents).where(Backing.issue_id == issue_id, Backing.status == "held")
                ).all()
                assert balance.get(f"issue:{issue_id}:escrow", 0) >= sum(held)

    return MoneyLoop


@pytest.mark.parametrize("backend", ["spatialite", "postgis"], indirect=True)
def test_the_money_loop_keeps_every_cent_under_random_operations(
    app, client, auth, funding, make_issue, make_user
) -> None:
    run_state_machine_as_test(
        money_loop(app, client, auth, funding, make_issue, make_user),
        settings=settings(
            max_examples=8,
            phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink),
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )


@pytest.mark.parametrize("backend", ["spatialite"], indirect=True)
def test_a_remainder_goes_back_only_to_who_funded_the_fix(
    app, client, auth, funding, make_issue, make_user
) -> None:
    """The path the random runs rarely take, step by step: a campaign ends unfunded (the backer is
    refunded), another backer funds the problem alone, the fix costs less, the remainder is returned."""
    loop = money_loop(app, client, auth, funding, make_issue, make_user)()
    loop.back(who=0, which=0, cents=1_000, retry=False, fallback="refund")
    loop.check_every_invariant()
    loop.time_passes(hours=30)
    loop.check_every_invariant()
    loop.back(who=1, which=0, cents=CAP, retry=False, fallback="refund")
    loop.check_every_invariant()
    loop.payout(which=0, cents=500)
    loop.return_remainder(which=0)
    loop.check_every_invariant()
    loop.mark_fixed(which=0)
    loop.delete_account(who=1)
    loop.teardown()
