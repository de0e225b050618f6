"""The city's quadratic match in the app: who counts (guards), the match recomputed as backings arrive,
closing posts it once (also when closes race), the schedule, and the one-sentence explanation.
Both engines."""

# ruff: noqa: F811  (fixtures are imported, then requested by name)

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from app.extensions import db
from app.models import AuditEntry, Issue, IssueEvent, LedgerPosting, MatchingPeriod, PeriodMatchPosting, User
from app.models.timestamps import utcnow
from app.services.funding import backings, ledger, match_sentences, quadratic_match
from app.services.kernel.errors import Conflict, PermissionDenied
from app.services.workflow import status_changes
from budgets.accounts import CITY_MATCH, PostingKind, escrow_account, issue_account
from budgets.period_match import period_match
from tests.funding.match_world import MatchWorld, match_world  # noqa: F401


def standing(world: MatchWorld, period_id: int) -> quadratic_match.PeriodStanding:
    with world.app.app_context():
        return quadratic_match.standing(db.session, period_id)


def test_only_confirmed_unblocked_older_accounts_count_each_capped_once(match_world: MatchWorld) -> None:
    w = match_world
    period = w.period(backer_cap=1_000)
    problem = w.problem()
    ok = [w.resident() for _ in range(3)]
    unconfirmed = w.resident(email_confirmed=False)
    blocked = w.resident(is_blocked=True)
    newcomer = w.resident(created_at=utcnow() - timedelta(hours=1))  # opened after the period did
    w.back(ok[0], problem, 400, period)
    w.back(ok[0], problem, 500, period)  # one resident, two backings: one contribution of 900
    w.back(ok[1], problem, 2_500, period)  # counted at the per-backer cap, 1,000
    w.back(ok[2], problem, 100, period)
    for user in (unconfirmed, blocked, newcomer):
        w.back(user, problem, 5_000, period)

    found = standing(w, period).problem(problem)
    assert found is not None
    assert (found.backers, found.counted) == (6, 3)
    assert found.backed_cents == 900 + 2_500 + 100 + 3 * 5_000
    expected = period_match({str(problem): [900, 1_000, 100]}, 1_000_000, 100_000).matches[str(problem)]
    assert found.match_cents == expected > 0
    # the exact figure: (30 + sqrt(1000) + 10)^2 - 2000, to the cent
    assert found.match_cents == round((40 + 1000**0.5) ** 2 - 2000)


def test_refunded_and_other_periods_backings_do_not_count(match_world: MatchWorld) -> None:
    w = match_world
    period, other = w.period(), w.period(opened=timedelta(days=30), closes_in=timedelta(days=-20))
    problem = w.problem()
    a, b, c = (w.resident() for _ in range(3))
    w.back(a, problem, 900, period)
    w.back(b, problem, 400, period)
    w.back(c, problem, 10_000, period, status="refunded")
    w.back(c, problem, 10_000, other)
    found = standing(w, period).problem(problem)
    assert found is not None
    assert (found.backers, found.counted, found.backed_cents) == (2, 2, 1_300)
    assert found.match_cents == (30 + 20) ** 2 - 1_300


def test_the_match_follows_the_backings_and_many_small_beat_one_large(match_world: MatchWorld) -> None:
    w = match_world
    period = w.period(backer_cap=100_000)
    small, large = w.problem(), w.problem()
    w.back(w.resident(), large, 10_000, period)
    assert standing(w, period).problem(large).match_cents == 0  # type: ignore[union-attr]
    for _ in range(4):
        w.back(w.resident(), small, 100, period)
    first = standing(w, period)
    assert first.problem(small).match_cents == 40**2 - 400  # type: ignore[union-attr]
    w.back(w.resident(), small, 100, period)
    assert standing(w, period).problem(small).match_cents == 50**2 - 500  # type: ignore[union-attr]
    assert first.problems[0].issue_id == small


def test_the_fund_caps_the_total_and_the_problem_cap_holds(match_world: MatchWorld) -> None:
    w = match_world
    period = w.period(fund=3_000, problem_cap=2_000, backer_cap=100_000)
    many, some = w.problem(), w.problem()
    for _ in range(10):
        w.back(w.resident(), many, 100, period)  # ideal 9,000: capped at 2,000
    for _ in range(3):
        w.back(w.resident(), some, 400, period)  # ideal 3,600 - 1,200 = 2,400: capped at 2,000
    found = standing(w, period)
    assert found.fund_short
    assert found.matched_cents == 3_000
    # shared in proportion to the ideals (9,000 : 2,400), no share above the cap: 2,368 -> 2,000, rest 1,000
    assert {p.issue_id: p.match_cents for p in found.problems} == {many: 2_000, some: 1_000}


def test_closing_posts_each_match_once_into_the_escrow(match_world: MatchWorld) -> None:
    w = match_world
    period = w.period()
    official = w.resident(role="official")
    matched, single = w.problem(), w.problem()
    for cents in (400, 900, 100):
        w.back(w.resident(), matched, cents, period)
    w.back(w.resident(), single, 5_000, period)
    before = standing(w, period)
    with w.app.app_context():
        closing = quadratic_match.close_by_hand(
            db.session, db.session.get(User, official.id), period, utcnow()
        )
        db.session.commit()
    assert (closing.postings, closing.problems) == (1, 2)
    assert closing.matched_cents == before.matched_cents == (20 + 30 + 10) ** 2 - 1_400
    with w.app.app_context():
        posted = db.session.scalars(
            select(LedgerPosting).where(LedgerPosting.kind == PostingKind.QF_MATCH)
        ).all()
        assert [(p.issue_id, p.pool_id) for p in posted] == [(matched, None)]
        assert ledger.account_balance(db.session, escrow_account(matched)) == 1_400 + closing.matched_cents
        assert ledger.account_balance(db.session, CITY_MATCH) == -closing.matched_cents
        rows = db.session.scalars(select(PeriodMatchPosting).order_by(PeriodMatchPosting.issue_id)).all()
        assert [(r.issue_id, r.match_cents, r.posting_id is not None) for r in rows] == [
            (matched, closing.matched_cents, True),
            (single, 0, False),
        ]
        audit = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "matching_period.close")
        ).one()
        assert audit.actor_id == official.id
        assert audit.details["matched_cents"] == closing.matched_cents
        with pytest.raises(Conflict) as refused:
            quadratic_match.close_by_hand(db.session, db.session.get(User, official.id), period, utcnow())
        assert refused.value.field == "closed_at"
        db.session.rollback()
        assert quadratic_match.close_due(db.session, utcnow() + timedelta(days=30)) == []
    # after closing, a backing arriving late or a refund does not change what was posted
    w.back(w.resident(), matched, 10_000, period)
    after = standing(w, period)
    assert after.closed_at is not None
    assert after.problem(matched).match_cents == closing.matched_cents  # type: ignore[union-attr]


def test_only_officials_close_and_not_before_the_period_opens(match_world: MatchWorld) -> None:
    w = match_world
    later = w.period(opened=-timedelta(days=1))
    resident, official = w.resident(), w.resident(role="official")
    with w.app.app_context():
        with pytest.raises(PermissionDenied):
            quadratic_match.close_by_hand(db.session, db.session.get(User, resident.id), later, utcnow())
        with pytest.raises(Conflict) as early:
            quadratic_match.close_by_hand(db.session, db.session.get(User, official.id), later, utcnow())
        assert early.value.field == "opens_at"
        db.session.rollback()
        assert db.session.get(MatchingPeriod, later).closed_at is None  # type: ignore[union-attr]


def test_the_schedule_closes_due_periods_only(match_world: MatchWorld) -> None:
    w = match_world
    due, running = (
        w.period(closes_in=timedelta(minutes=5)),
        w.period(closes_in=timedelta(days=3), area_id=None),
    )
    problem = w.problem()
    for cents in (100, 400):
        w.back(w.resident(), problem, cents, due)
    with w.app.app_context():
        done = quadratic_match.close_due(db.session, utcnow() + timedelta(minutes=10))
        db.session.commit()
        assert [c.period_id for c in done] == [due]
        assert db.session.get(MatchingPeriod, running).closed_at is None  # type: ignore[union-attr]
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "matching_period.close")
        ).one()
        assert entry.actor_id is None
        assert entry.details["by"] == "schedule"


def test_concurrent_closes_post_exactly_once(match_world: MatchWorld) -> None:
    w = match_world
    period = w.period()
    official = w.resident(role="official")
    problems = [w.problem() for _ in range(3)]
    for problem in problems:
        for cents in (100, 400, 900):
            w.back(w.resident(), problem, cents, period)
    start = threading.Barrier(4)
    outcomes: list[str] = []

    def close() -> None:
        with w.app.app_context():
            actor = db.session.get(User, official.id)
            start.wait()
            try:
                quadratic_match.close_by_hand(db.session, actor, period, utcnow())
                db.session.commit()
                outcomes.append("closed")
            except Conflict:
                db.session.rollback()
                outcomes.append("conflict")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=close) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(outcomes) == ["closed", "conflict", "conflict", "conflict"]
    with w.app.app_context():
        kinds = db.session.scalar(
            select(func.count()).select_from(LedgerPosting).where(LedgerPosting.kind == PostingKind.QF_MATCH)
        )
        assert kinds == 3
        assert db.session.scalar(select(func.count()).select_from(PeriodMatchPosting)) == 3


def test_the_sentence_says_who_backed_and_why_the_city_adds_what_it_adds(match_world: MatchWorld) -> None:
    w = match_world
    period = w.period(fund=1_000_000, problem_cap=1_000, backer_cap=100_000)
    nobody, one, many, capped = (w.problem() for _ in range(4))
    w.back(w.resident(), one, 500, period)
    for _ in range(5):
        w.back(w.resident(), many, 4, period)  # ideal 100 - 20 = 80 cents
    w.back(w.resident(email_confirmed=False), many, 4, period)
    for _ in range(5):
        w.back(w.resident(), capped, 10_000, period)
    found = standing(w, period)
    said = {
        pid: match_sentences.explain(found.problem(pid), found, "EUR") for pid in (nobody, one, many, capped)
    }
    assert said[nobody].kind == "none"
    assert said[nobody].text.startswith("Nobody has backed this yet")
    assert said[one].kind == "one"
    assert said[one].text == (
        "1 neighbour backed this; the city adds a match once two or more neighbours who count back it."
    )
    assert said[many].kind == "matched"
    assert said[many].text == (
        "6 neighbours backed this (1 of them does not count for the match: only confirmed, unblocked "
        "accounts opened before the period count); the city adds EUR 0.80 because many people gave a little."
    )
    assert said[capped].kind == "capped"
    assert said[capped].text == (
        "5 neighbours backed this; the city adds EUR 10.00, the most one problem can get in this period "
        "(many small gifts would have earned EUR 2,000.00)."
    )
    with w.app.app_context():
        db.session.execute(update(MatchingPeriod).where(MatchingPeriod.id == period).values(fund_cents=600))
        db.session.commit()
    short = standing(w, period)
    shared = match_sentences.explain(short.problem(capped), short, "EUR")
    assert shared.kind == "shared"
    assert "every problem gets its share" in shared.text


def priced_problem(w: MatchWorld, cost_cents: int) -> int:
    """A problem whose cost the city has estimated: the match tops it up to that cost and no further."""
    issue_id = w.problem()
    with w.app.app_context():
        db.session.execute(update(Issue).where(Issue.id == issue_id).values(cost_estimate_cents=cost_cents))
        db.session.commit()
    return issue_id


def test_the_match_tops_a_priced_problem_up_to_its_cost_and_no_further(match_world: MatchWorld) -> None:
    """Found from outside: a 60.00 fix backed by four residents with 5.00 each got a 60.00 match, so
    80.00 was committed to it (and the demo's 800.00 fix got 1,063.65). The match now stops at what
    the cost still needs, and the fund's rest stays with the city."""
    w = match_world
    period = w.period(fund=30_000, problem_cap=40_000, backer_cap=2_000)
    official = w.resident(role="official")
    priced, unpriced = priced_problem(w, 6_000), w.problem()
    for issue_id in (priced, unpriced):
        for _ in range(4):
            w.back(w.resident(), issue_id, 500, period)

    live = standing(w, period)
    assert live.problem(priced).match_cents == 4_000  # type: ignore[union-attr]
    assert live.problem(priced).filled  # type: ignore[union-attr]
    assert live.problem(unpriced).match_cents == 6_000  # type: ignore[union-attr]
    with w.app.app_context():
        sentence = match_sentences.explain(live.problem(priced), live, "EUR")
    assert "the city adds EUR 40.00, what its cost still needs" in sentence.text
    # Found from outside: a problem its backers covered read "the city's fund has nothing left".
    covered = replace(live.problem(priced), match_cents=0)  # type: ignore[type-var]
    said = match_sentences.explain(covered, live, "EUR")
    assert "the city adds nothing: its backers cover the whole cost" in said.text
    assert said.kind == "covered"

    with w.app.app_context():
        closing = quadratic_match.close_by_hand(
            db.session, db.session.get(User, official.id), period, utcnow()
        )
        db.session.commit()
        assert closing.matched_cents == 10_000
        assert ledger.account_balance(db.session, issue_account(priced)) == 6_000  # committed: the cost
        assert ledger.account_balance(db.session, escrow_account(priced)) == 0
        assert ledger.account_balance(db.session, CITY_MATCH) == -10_000
        # The public timeline tells residents' money from the city's.
        note = db.session.scalars(
            select(IssueEvent.note).where(IssueEvent.issue_id == priced, IssueEvent.to_status == "planned")
        ).one()
        assert note == (
            "Fully backed: EUR 20.00 from residents and EUR 40.00 from the city's match; planned for the "
            "city's work programme."
        )
    # Found in review: a covered problem's closed sentence said its nothing was "posted when the period
    # closed".
    closed = standing(w, period)
    said = match_sentences.explain(replace(closed.problem(priced), match_cents=0), closed, "EUR")  # type: ignore[type-var]
    assert "the city added nothing: its backers had covered the whole cost." in said.text
    assert "posted" not in said.text


def test_a_match_that_went_back_with_an_unfunded_campaign_says_so(match_world: MatchWorld) -> None:
    """Found from outside: a merged problem, its backers refunded and the match returned, still read
    "the city added EUR 487.28" and "city match posted"."""
    w = match_world
    period = w.period(fund=30_000, problem_cap=40_000, backer_cap=2_000)
    official = w.resident(role="official")
    issue_id = w.problem()
    with w.app.app_context():
        db.session.execute(update(Issue).where(Issue.id == issue_id).values(cost_estimate_cents=100_000))
        db.session.commit()
    for _ in range(4):
        w.back(w.resident(), issue_id, 500, period)
    with w.app.app_context():
        actor = db.session.get(User, official.id)
        quadratic_match.close_by_hand(db.session, actor, period, utcnow())
        db.session.commit()
        assert backings.escrow_match_cents(db.session, issue_id) == 6_000
        status_changes.change_status(db.session, actor, issue_id, "closed", "Not the city's road")
        db.session.commit()

        said = match_sentences.sentence_of_issue(db.session, issue_id, "EUR")
        assert backings.escrow_match_cents(db.session, issue_id) == 0
    assert said.text.endswith("; it went back to the city when the campaign ended unfunded.")
    # The period's page says so too, and how much of its match went back (found from outside: it read
    # "the city added EUR 487.28" and counted it as matched).
    page = w.app.test_client().get(f"/matching-periods/{period}").get_data(as_text=True)
    assert "it went back to the city when the campaign ended unfunded." in page
    assert 'data-testid="match-returned">EUR 60.00<' in page


def test_a_closed_period_says_why_as_the_running_one_did(match_world: MatchWorld) -> None:
    """Found from outside: once closed, a period whose problems the costs' needs held back said "more
    was asked of the fund than it holds" (fund_short true, 6.00 of a 10.00 fund matched): the posted
    figures were judged without what each cost still needed."""
    w = match_world
    period = w.period(fund=1_000, problem_cap=1_000, backer_cap=2_000)
    official = w.resident(role="official")
    priced, other = priced_problem(w, 1_500), w.problem()
    for issue_id, amounts in ((priced, (400, 900)), (other, (100, 400))):
        for cents in amounts:
            w.back(w.resident(), issue_id, cents, period)
    live = standing(w, period)
    assert (live.fund_short, live.matched_cents) == (False, 600)  # 2.00 (what 15.00 still needs) + 4.00

    with w.app.app_context():
        quadratic_match.close_by_hand(db.session, db.session.get(User, official.id), period, utcnow())
        db.session.commit()
    closed = standing(w, period)

    assert (closed.fund_short, closed.matched_cents) == (False, 600)
    assert closed.problem(priced).filled  # type: ignore[union-attr]
    with w.app.app_context():
        said = match_sentences.explain(closed.problem(priced), closed, "EUR")  # type: ignore[arg-type]
    assert "the city added EUR 2.00, what its cost still needed" in said.text
    assert "more was asked of the fund" not in said.text
