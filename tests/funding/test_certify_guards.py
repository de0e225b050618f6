"""What a certification must not do, found from outside: fund a problem its backers funded while the
result was provisional (the pool's money went to it a second time), and move work in progress back
to "planned"; and a round's list must not offer a problem its backers funded."""

# ruff: noqa: F811  (fixtures are imported, then requested by name)
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Issue, IssueEvent, Round, User
from app.services.funding import ledger
from app.services.issues.money import money_of
from app.services.rounds import candidates
from app.services.workflow import status_changes as workflow
from budgets.accounts import PostingKind, escrow_account, issue_account, resident_account
from tests.funding.round_world import RoundWorld, world  # noqa: F401
from tests.funding.test_payouts import voted_round
from tests.funding_fixtures import funding  # noqa: F401


def backers_fund(world: RoundWorld, issue_id: int, cents: int) -> None:
    """What a campaign posts when its backers' escrow reaches the cost: backing, then commitment."""
    backer = world.members[-1]
    with world.app.app_context():
        lines = [(resident_account(backer.id), -cents), (escrow_account(issue_id), cents)]
        ledger.post(db.session, PostingKind.BACKING, "Backing", lines, None, issue_id=issue_id)
        lines = [(escrow_account(issue_id), -cents), (issue_account(issue_id), cents)]
        ledger.post(db.session, PostingKind.COMMIT, "Funded by its backers", lines, None, issue_id=issue_id)
        db.session.commit()


def test_a_problem_its_backers_funded_after_the_tally_is_not_funded_again(world: RoundWorld) -> None:
    rid, a, _b = voted_round(world)
    assert world.tally(rid).status_code == 200
    backers_fund(world, a, 3000)

    refused = world.certify(rid)

    assert refused.status_code == 409
    assert (
        f"#{a} was funded by its backers: EUR 30.00 is committed to its fix"
        in refused.get_json()["error"]["message"]
    )
    with world.app.app_context():
        assert money_of(db.session, a).committed_cents == 3000
        assert db.session.get(Round, rid).result_status == "provisional"
    # Sent back and tallied again, the result leaves it out, and certifies.
    assert world.send_back(rid).status_code == 200
    results = world.tally_and_certify(rid)
    assert a not in [c["issue_id"] for c in results["funded"]]
    [left_out] = [c for c in results["unfunded"] if c["issue_id"] == a]
    assert left_out["sentence"] == (
        "Not in the tally: since the list was drawn up it was funded by its backers: EUR 30.00 is committed "
        "to its fix. Its 3 votes did not count."
    )
    with world.app.app_context():
        assert money_of(db.session, a).committed_cents == 3000


def test_a_problem_its_backers_funded_is_not_on_a_new_rounds_list(world: RoundWorld) -> None:
    world.build(members=2, pledges=(1000,), costs=(3000, 2000))
    a, b = world.issues
    backers_fund(world, a, 3000)
    rid = world.create(rule="greedy")["id"]
    with world.app.app_context():
        listed = [c.issue_id for c in candidates.live_ranking(db.session, db.session.get(Round, rid))]
    assert listed == [b]


def test_certifying_leaves_work_in_progress_in_progress(world: RoundWorld) -> None:
    rid, a, _b = voted_round(world)
    assert world.official is not None
    with world.app.app_context():
        actor = db.session.get(User, world.official.id)
        workflow.change_status(db.session, actor, a, "in-progress", "Crew on site")
        db.session.commit()

    world.tally_and_certify(rid)

    with world.app.app_context():
        assert db.session.get(Issue, a).status == "in-progress"
        events = db.session.scalars(
            select(IssueEvent).where(IssueEvent.issue_id == a).order_by(IssueEvent.id)
        ).all()
        last = events[-1]
        assert (last.kind, last.to_status) == ("update", None)
        assert "Spring round" in (last.note or "")
        assert (last.note or "").endswith("its work, already started, goes on.")
        assert [e.to_status for e in events if e.kind == "status"] == ["in-progress"]
