"""Settling backed problems: funded -> committed; deadline passed, closed or merged -> every backer gets
exactly their money back (or moved to the area's pool, as they chose) once, with the city's match
returned; a deleted account's held backings are refunded first."""

# ruff: noqa: F811  (the `backers` fixture is imported, then requested by name)

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from app.extensions import db
from app.jobs.backing_settlement import SETTLE_JOB, settle_due_at
from app.models import Pledge, Pool, User
from app.models.timestamps import utcnow
from app.services.funding import backings, groups, money_flow
from app.services.funding.backing_settlement import settle_issue
from app.services.funding.payments import TreasurerConfirmed
from app.services.kernel.errors import Conflict
from app.services.mydata import deletion
from app.services.workflow import duplicates, status_changes
from budgets.accounts import CITY_MATCH, available_account, escrow_account, issue_account, resident_account
from tests import factories
from tests.backing_fixtures import Backers, backers  # noqa: F401  (fixture)
from tests.funding.round_world import RoundWorld, world  # noqa: F401  (fixture)
from tests.funding_fixtures import funding  # noqa: F401  (fixture)


def pool_of_old_town(app, city) -> int:
    with app.app_context():
        group = groups.create_group(db.session, None, city["Old Town"], "Old Town neighbours")
        pool_id = groups.get_group_row(db.session, group.id).pool_id
        db.session.commit()
        return pool_id


def official(app) -> User:
    with app.app_context():
        db.session().expire_on_commit = False
        user = factories.new_user(db.session(), role="official")
        db.session.commit()
        return user


def close_as_not_the_citys(app, issue_id: int) -> None:
    """An official closes the backed problem: its campaign ends unfunded."""
    staff = official(app)
    with app.app_context():
        actor = db.session.get(User, staff.id)
        status_changes.change_status(db.session, actor, issue_id, "closed", "Not the city's road")
        db.session.commit()


def mails_to(outbox, user: User) -> list[str]:
    return [m["Subject"] for m in outbox() if m["To"] == user.email]


def test_a_deadline_passing_while_backings_arrive_returns_each_backing_once(
    backers: Backers, app, city, outbox
) -> None:
    pool_id = pool_of_old_town(app, city)
    issue_id = backers.problem(cost_cents=50_000)
    period_id = backers.period(area_id=city["Old Town"], backer_cap_cents=5_000)
    ann, bob, cat = backers.resident(), backers.resident(), backers.resident()
    backers.back(ann, issue_id, 1_200)
    backers.back(bob, issue_id, 3_000, fallback="pool")
    backers.back(ann, issue_id, 800)
    backers.match(issue_id, 2_500)  # the city's match, posted when the period closed
    deadline = utcnow() + timedelta(minutes=1)
    backers.end_period(period_id, deadline)
    backers.back(cat, issue_id, 400, now=deadline - timedelta(seconds=1))  # the last one in time
    late = deadline + timedelta(seconds=1)
    # Arriving after the deadline but before the job ran: refused, nothing stored.
    before = backers.counts()
    with pytest.raises(Conflict, match="campaign has ended") as refused:
        backers.back(cat, issue_id, 100, now=late)
    assert refused.value.field == "issue_id"
    assert backers.counts() == before

    with app.app_context():
        assert settle_due_at(deadline - timedelta(seconds=1)) == {}  # not due yet
        assert settle_due_at(late) == {issue_id: "unbacked"}
        assert settle_due_at(late + timedelta(minutes=5)) == {}  # settled once: nothing due again
        assert settle_issue(db.session, issue_id, late) == "nothing"
        db.session.commit()

    assert backers.balance(escrow_account(issue_id)) == 0
    assert backers.balance(resident_account(ann.id)) == 0  # 1,200 + 800 back
    assert backers.balance(resident_account(cat.id)) == 0
    assert backers.balance(CITY_MATCH) == 0  # the match went back to the city
    # Bob chose the pool: his 30.00 is now his confirmed pledge to Old Town's pool.
    assert backers.balance(resident_account(bob.id)) == -3_000
    assert backers.balance(available_account(pool_id)) == 3_000
    with app.app_context():
        pledged = db.session.execute(
            select(Pledge.user_id, Pledge.amount_cents, Pledge.status).where(Pledge.pool_id == pool_id)
        ).all()
    assert [tuple(p) for p in pledged] == [(bob.id, 3_000, "confirmed")]
    assert sorted(backers.statuses(issue_id).values()) == ["moved", "refunded", "refunded", "refunded"]
    assert len([s for s in mails_to(outbox, ann) if "refunded" in s]) == 2
    moved = "your backing moved to the pool of Old Town neighbours"
    assert len([s for s in mails_to(outbox, bob) if moved in s]) == 1
    assert len(mails_to(outbox, cat)) == 1
    backers.ledger_ok()
    # The campaign is over: the problem may be backed again (no period is open now).
    backers.back(cat, issue_id, 100)
    assert backers.balance(escrow_account(issue_id)) == 100


def test_a_problem_merged_as_a_duplicate_while_backed_refunds_its_backers_once(
    backers: Backers, app, city, outbox
) -> None:
    pool_id = pool_of_old_town(app, city)
    original, dup = backers.problem(), backers.problem()
    ann, bob = backers.resident(), backers.resident()
    backers.back(ann, dup, 2_000)
    backers.back(bob, dup, 1_500, fallback="pool")
    backers.match(dup, 700)
    staff = official(app)
    with app.app_context():
        actor = db.session.get(User, staff.id)
        duplicates.mark_duplicate(db.session, actor, dup, original, "Same pothole")
        db.session.commit()
        assert settle_issue(db.session, dup, utcnow()) == "nothing"  # done in the merge, once
        db.session.commit()
    assert backers.balance(escrow_account(dup)) == 0
    assert backers.balance(resident_account(ann.id)) == 0
    assert backers.balance(resident_account(bob.id)) == -1_500
    assert backers.balance(available_account(pool_id)) == 1_500
    assert backers.balance(CITY_MATCH) == 0
    assert sorted(backers.statuses(dup).values()) == ["moved", "refunded"]
    assert len([s for s in mails_to(outbox, ann) if "refunded" in s]) == 1
    # Found from outside: the merged problem's page still read "city match posted" after it went back.
    with app.app_context():
        assert backings.escrow_match_cents(db.session, dup) == 0
    backers.ledger_ok()


def test_the_duplicate_review_says_who_is_refunded_and_how_much(backers: Backers, app, client, auth) -> None:
    """Found from outside: a typed number merged a backed problem, refunding its backers, and the
    confirmation never said so. The review counts them and their money before anything moves."""
    original, dup = backers.problem(), backers.problem()
    ann, bob = backers.resident(), backers.resident()
    backers.back(ann, dup, 2_000)
    backers.back(bob, dup, 1_500, fallback="pool")
    backers.match(dup, 700)
    auth.login_as(official(app))

    with app.app_context():  # and one waiting for the cashier (found from outside: the review left it out)
        waiting = backings.back(
            db.session,
            db.session.get(User, backers.resident().id),
            dup,
            500,
            "wait-1",
            TreasurerConfirmed(),
            utcnow(),
        )
        assert waiting.settled == "pending"
        db.session.commit()

    review = client.post(f"/staff/issues/{dup}/duplicate", data={"original_id": str(original)})

    assert review.status_code == 200
    assert "ends: EUR 35.00 from 2 backers goes back</strong>" in review.get_data(as_text=True)
    # The match is named with its amount, and only where there is one (found in review: always said).
    assert "The city's match of EUR 7.00 goes back to the city." in review.get_data(as_text=True)
    assert "1 backing of EUR 5.00 still waiting for the cashier is cancelled" in review.get_data(as_text=True)
    assert sorted(backers.statuses(dup).values()) == ["held", "held", "pending"]
    assert backers.balance(escrow_account(dup)) == 4_200
    backers.ledger_ok()


def test_closing_a_backed_problem_refunds_and_without_a_pool_moves_become_refunds(
    backers: Backers, app
) -> None:
    issue_id = backers.problem()
    ann = backers.resident()
    backers.back(ann, issue_id, 900, fallback="pool")  # no group in Old Town: nowhere to move it
    close_as_not_the_citys(app, issue_id)
    assert list(backers.statuses(issue_id).values()) == ["refunded"]
    assert backers.balance(resident_account(ann.id)) == 0
    backers.ledger_ok()


def test_a_backing_is_never_moved_into_a_pool_of_another_currency(backers: Backers, app, city) -> None:
    """Found from outside: with Old Town's euro pool closed, a EUR 9.99 backing went into a SEK pool
    as SEK 9.99."""
    with app.app_context():  # a pool from before pools were held to the city's currency
        group = groups.create_group(db.session, None, city["Old Town"], "Old Town Kronor Club")
        kronor = groups.get_group_row(db.session, group.id).pool_id
        db.session.execute(update(Pool).where(Pool.id == kronor).values(currency="SEK"))
        db.session.commit()
    issue_id = backers.problem()
    ann = backers.resident()
    backers.back(ann, issue_id, 999, fallback="pool")
    close_as_not_the_citys(app, issue_id)
    assert list(backers.statuses(issue_id).values()) == ["refunded"]
    assert backers.balance(available_account(kronor)) == 0
    backers.ledger_ok()


def test_a_backing_moved_to_the_pool_is_neither_new_money_nor_a_refund_for_the_city(
    backers: Backers, app, city
) -> None:
    """Found from outside: the transparency page counted a backing moved to a pool twice, as money
    from residents (the moved pledge) and as refunded (the unbacking that freed it)."""
    pool_id = pool_of_old_town(app, city)
    issue_id = backers.problem()
    ann, bob = backers.resident(), backers.resident()
    backers.back(ann, issue_id, 900, fallback="pool")
    backers.back(bob, issue_id, 400)
    close_as_not_the_citys(app, issue_id)
    with app.app_context():
        flow = money_flow.city_flow(db.session)
    assert backers.balance(available_account(pool_id)) == 900
    assert (flow.from_residents, flow.refunded, flow.in_pools, flow.in_escrow) == (1_300, 400, 900, 0)


def test_a_match_that_completes_the_cost_funds_at_the_next_settlement(backers: Backers, app, outbox) -> None:
    issue_id = backers.problem(cost_cents=5_000)
    ann = backers.resident()
    backers.back(ann, issue_id, 3_000)
    backers.match(issue_id, 2_000)
    with app.app_context():
        assert settle_issue(db.session, issue_id, utcnow()) == "committed"
        db.session.commit()
    assert backers.balance(issue_account(issue_id)) == 5_000
    assert backers.issue_status(issue_id) == "planned"
    assert [s for s in mails_to(outbox, ann) if s.startswith("Funded: ")]
    backers.ledger_ok()


def test_deleting_an_account_refunds_its_held_backings_and_keeps_committed_ones(
    backers: Backers, app
) -> None:
    held_issue = backers.problem(cost_cents=50_000)
    funded_issue = backers.problem(cost_cents=1_000)
    ann, bob = backers.resident(), backers.resident()
    backers.back(ann, held_issue, 2_000)
    backers.back(bob, held_issue, 1_000)
    backers.back(ann, funded_issue, 1_000)  # funds it at once
    with app.app_context():
        user = db.session.get(User, ann.id)
        deletion.delete_account(db.session, user, factories.DEFAULT_PASSWORD)
        db.session.commit()
    assert backers.balance(resident_account(ann.id)) == -1_000  # only the committed backing stays spent
    assert backers.balance(escrow_account(held_issue)) == 1_000  # Bob's backing is untouched
    statuses = backers.statuses(held_issue)
    assert sorted(statuses.values()) == ["held", "refunded"]
    assert set(backers.statuses(funded_issue).values()) == {"committed"}
    backers.ledger_ok()


def test_the_settlement_is_a_periodic_job(app) -> None:
    from app.jobs.queue import queue_of

    due = [task.name for task in queue_of(app).read_periodic(datetime(2026, 12, 3, 12, 5))]
    assert SETTLE_JOB in due


def test_no_backing_is_left_unsettled_by_the_job(backers: Backers, app, city) -> None:
    period_id = backers.period(area_id=city["Old Town"])
    issues = [backers.problem(cost_cents=90_000) for _ in range(3)]
    for issue_id in issues:
        backers.back(backers.resident(), issue_id, 1_000)
    backers.end_period(period_id, utcnow() - timedelta(seconds=1))
    with app.app_context():
        assert settle_due_at(utcnow()) == dict.fromkeys(issues, "unbacked")
        held = db.session.scalar(select(func.count()).select_from(Pledge))
    assert held == 0
    for issue_id in issues:
        assert set(backers.statuses(issue_id).values()) == {"refunded"}
    backers.ledger_ok()


def test_a_certified_round_that_funds_a_backed_problem_commits_its_backings(
    world: RoundWorld, backers: Backers
) -> None:
    world.build(members=2, pledges=(5_000,), costs=(3_000,))
    issue_id = world.issues[0]
    ann = backers.resident()
    backers.back(ann, issue_id, 1_000)  # held: the problem costs 30.00
    rid = world.create()["id"]
    world.open_voting(rid)
    assert world.vote(world.members[0], rid, issue_ids=[issue_id]).status_code == 200
    certified = world.tally_and_certify(rid)
    assert certified["status"] == "certified"
    assert set(backers.statuses(issue_id).values()) == {"committed"}
    assert backers.balance(escrow_account(issue_id)) == 0
    # The round's allocation and the committed backing are both the problem's money now.
    assert backers.balance(issue_account(issue_id)) == 3_000 + 1_000
    assert backers.issue_status(issue_id) == "planned"
    backers.ledger_ok()


def test_a_problem_a_round_funded_cannot_be_backed(world: RoundWorld, backers: Backers) -> None:
    world.build(members=2, pledges=(5_000,), costs=(3_000,))
    issue_id = world.issues[0]
    rid = world.create()["id"]
    world.open_voting(rid)
    assert world.vote(world.members[0], rid, issue_ids=[issue_id]).status_code == 200
    world.tally_and_certify(rid)
    before = backers.counts()
    with pytest.raises(Conflict, match="already funded"):
        backers.back(backers.resident(), issue_id, 500)
    assert backers.counts() == before
