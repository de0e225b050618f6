"""Tallies: results equal an independent run of budgets/; the tally is provisional and posts nothing;
certification posts the money once and plans the funded issues in the official's name."""

# ruff: noqa: F811  (fixtures are imported, then requested by name)

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Issue, IssueEvent, LedgerPosting, Round, TallyJob, User
from app.services.rounds import jobs as tally_jobs
from app.services.rounds import tally
from budgets import allocate, parse_pb
from budgets.election import Ballot, Election, Project
from budgets.equal_shares import equal_shares_add1
from budgets.greedy import greedy
from tests.funding.round_world import RoundWorld, world  # noqa: F401
from tests.funding_fixtures import funding  # noqa: F401

COSTS = (3000, 2000, 1500, 1000)


def voted_round(world: RoundWorld, **terms) -> tuple[int, list[list[int]]]:
    """Four members pledge 10.00 each, the city matches 1:1 up to 20.00, three members vote."""
    world.build(members=4, pledges=(1000, 1000, 1000, 1000), costs=COSTS)
    rid = world.create(by=world.official, match_ratio="1:1", match_cap_cents=2000, **terms)["id"]
    world.open_voting(rid)
    a, b, c, d = world.issues
    ballots = [[a, b], [a], [c, d]]
    for member, ids in zip(world.members, ballots, strict=False):
        assert world.vote(member, rid, issue_ids=ids).status_code == 200
    return rid, ballots


def independent(world: RoundWorld, ballots: list[list[int]], budget: int, rule=equal_shares_add1):
    projects = tuple(Project(str(i), c) for i, c in zip(world.issues, COSTS, strict=True))
    election = Election(projects, tuple(Ballot(tuple(map(str, b))) for b in ballots), budget)
    return rule(election)


def test_tally_matches_an_independent_run_and_certification_posts_the_money(
    world: RoundWorld, runner, app
) -> None:
    rid, ballots = voted_round(world)

    response = world.tally(rid)

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    expected = independent(world, ballots, budget=4000 + 2000)
    assert {f["issue_id"] for f in body["funded"]} == {int(p) for p in expected.selected}
    assert body["spent_cents"] == expected.spent
    assert body["leftover_cents"] == 6000 - expected.spent
    assert (body["match_cents"], body["pool_cents"], body["budget_cents"]) == (2000, 4000, 6000)
    assert body["turnout"] == {"ballots": 3, "members": 5}
    for item in body["funded"] + body["unfunded"]:
        assert item["explanation"] == expected.explanations[str(item["issue_id"])].reason
        assert item["explanation"]
    for item in body["funded"]:
        assert item["amount_cents"] == dict(zip(world.issues, COSTS, strict=True))[item["issue_id"]]
    assert all(item["amount_cents"] == 0 for item in body["unfunded"])
    # the same numbers from the results endpoint
    assert world.client.get(f"/api/v1/rounds/{rid}/results").get_json() == body
    assert (body["status"], body["certified_at"]) == ("provisional", None)
    with app.app_context():
        posted = db.session.scalars(select(LedgerPosting.kind).where(LedgerPosting.round_id == rid)).all()
        assert posted == []  # provisional: no money moved

    certified = world.certify(rid)

    assert certified.status_code == 200, certified.get_json()
    after = certified.get_json()
    assert after["status"] == "certified"
    assert after["certified_at"]
    assert {k: v for k, v in after.items() if k not in ("status", "certified_at")} == {
        k: v for k, v in body.items() if k not in ("status", "certified_at")
    }
    check = runner.invoke(args=["ledger-check"])
    assert check.exit_code == 0, check.output
    with app.app_context():
        kinds = db.session.scalars(select(LedgerPosting.kind).where(LedgerPosting.round_id == rid)).all()
        assert sorted(kinds) == ["allocation", "match", "rollover"]
        found = db.session.get(Round, rid)
        assert (found.phase, found.result_status) == ("tallied", "certified")
        assert found.tallied_at is not None
        assert found.certified_by_id == world.official.id


@pytest.mark.parametrize("rule", ["exactequalshares/addopt", "exactequalshares/addoptskip"])
def test_exact_equal_shares_rounds_tally_like_the_engine(world: RoundWorld, rule: str) -> None:
    rid, ballots = voted_round(world, rule=rule)

    body = world.tally(rid).get_json()

    expected = independent(world, ballots, 6000, lambda election: allocate(election, rule))
    assert expected.notes[-1].startswith("add-opt")
    assert {f["issue_id"] for f in body["funded"]} == {int(p) for p in expected.selected}
    assert body["spent_cents"] == expected.spent
    for item in body["funded"] + body["unfunded"]:
        assert item["explanation"] == expected.explanations[str(item["issue_id"])].reason


@pytest.mark.parametrize("rule", ["exactequalshares/addopt", "exactequalshares/addoptskip"])
def test_exact_equal_shares_tallies_report_each_run(world: RoundWorld, app, rule: str) -> None:
    # A background tally renews its lease only when it reports progress, and an add-opt on a city's
    # ballots makes thousands of runs: each is reported in the rule stage.
    rid, _ = voted_round(world, rule=rule)
    seen: list[tuple[str, int, int, str]] = []
    with app.app_context():
        found = db.session.get(Round, rid)
        inputs = tally.load_inputs(db.session, found)
        tally.compute(found, inputs, 6000, lambda *reported: seen.append(reported))
    rule_stage = [(done, total, text) for stage, done, total, text in seen if stage == "rule"]
    assert rule_stage, seen
    # Open-ended (total 0): the bar creeps on with the runs instead of reading them against a budget.
    assert rule_stage == [(run, 0, f"Running {rule}") for run in range(2, len(rule_stage) + 2)]
    assert tally_jobs.progress_percent("rule", 2, 0) < tally_jobs.progress_percent("rule", 8000, 0) < 90


def test_funded_issues_are_planned_by_the_certifying_official(world: RoundWorld, app) -> None:
    rid, _ = voted_round(world)
    body = world.tally(rid).get_json()
    with app.app_context():  # the group admin's tally leaves the city's workflow alone
        for item in body["funded"] + body["unfunded"]:
            assert db.session.get(Issue, item["issue_id"]).status == "new"

    assert world.certify(rid).status_code == 200

    with app.app_context():
        for item in body["funded"]:
            assert db.session.get(Issue, item["issue_id"]).status == "planned"
            note, actor_id = db.session.execute(
                select(IssueEvent.note, IssueEvent.actor_id).where(
                    IssueEvent.issue_id == item["issue_id"], IssueEvent.to_status == "planned"
                )
            ).one()
            assert actor_id == world.official.id
            cents = item["amount_cents"]
            assert f"EUR {cents // 100:,}.{cents % 100:02d}" in note
            assert "Spring round" in note
        for item in body["unfunded"]:
            assert db.session.get(Issue, item["issue_id"]).status == "new"


def test_refund_returns_the_leftover_pro_rata(world: RoundWorld, runner, app) -> None:
    rid, _ = voted_round(world, leftover="refund")
    body = world.tally_and_certify(rid)

    assert body["leftover"] == "refund"
    balance = world.funding.balance(world.ref)
    assert balance.balance_cents == 0
    assert balance.refunded_cents == body["leftover_cents"]
    assert runner.invoke(args=["ledger-check"]).exit_code == 0


def test_a_rolled_over_leftover_is_spent_by_the_next_round(world: RoundWorld, runner) -> None:
    rid, _ = voted_round(world)
    first = world.tally(rid).get_json()
    refused = world.phase(rid, "closed")  # a provisional result cannot be closed
    assert refused.status_code == 409
    assert "certified" in refused.get_json()["error"]["message"]
    assert world.certify(rid).status_code == 200
    assert world.phase(rid, "closed").status_code == 200
    later = world.costed_issue(first["leftover_cents"], likes_from=1)

    second = world.create(name="Autumn round", voting=False)["id"]
    assert world.phase(second, "pledging").status_code == 200
    world.like(world.members[0], later)
    body = world.tally_and_certify(second)

    assert [f["issue_id"] for f in body["funded"]] == [later]
    assert body["budget_cents"] == first["leftover_cents"]
    assert world.funding.balance(world.ref).balance_cents == 0
    # issues funded by the first round are no longer candidates
    funded_before = {f["issue_id"] for f in first["funded"]}
    assert not funded_before & {c["issue_id"] for c in body["funded"] + body["unfunded"]}
    assert runner.invoke(args=["ledger-check"]).exit_code == 0


def test_a_round_without_voting_uses_members_likes(world: RoundWorld) -> None:
    world.build(members=3, pledges=(2000, 1000), costs=COSTS)
    _a, b, _c, d = world.issues
    world.like(world.members[0], b)
    world.like(world.members[1], b)
    world.like(world.members[2], d)
    rid = world.create(voting=False, rule="greedy")["id"]
    assert world.phase(rid, "voting").status_code == 409
    assert world.phase(rid, "pledging").status_code == 200
    assert "it is fixed at the tally" in world.client.get(f"/rounds/{rid}").get_data(as_text=True)

    body = world.tally(rid).get_json()
    page = world.client.get(f"/rounds/{rid}").get_data(as_text=True)
    assert "Fixed at the tally: the most-liked" in page
    assert "voting opened" not in page

    expected = independent(world, [[b], [b], [d]], 3000, rule=greedy)
    assert [f["issue_id"] for f in body["funded"]] == [b, d] == [int(p) for p in expected.selected]
    assert body["turnout"] == {"ballots": 3, "members": 4}
    assert "votes" in body["funded"][0]["explanation"]


def test_tallying_or_certifying_twice_is_a_conflict_and_posts_once(world: RoundWorld, app) -> None:
    rid, _ = voted_round(world)
    assert world.tally(rid).status_code == 200

    again = world.tally(rid)

    assert again.status_code == 409
    assert again.get_json()["error"]["message"] == "This round has already been tallied."
    assert world.certify(rid).status_code == 200
    twice = world.certify(rid)
    assert twice.status_code == 409
    assert "already certified" in twice.get_json()["error"]["message"]
    with app.app_context():
        allocations = db.session.scalar(
            select(func.count()).select_from(LedgerPosting).where(LedgerPosting.kind == "allocation")
        )
        assert allocations == 1


def test_only_admins_and_officials_tally(world: RoundWorld) -> None:
    rid, _ = voted_round(world)
    assert world.tally(rid, by=world.members[0]).status_code == 403
    assert world.client.post(f"/api/v1/rounds/{rid}/tally").status_code == 401
    assert world.client.get(f"/api/v1/rounds/{rid}/results").status_code == 409


def test_a_round_still_pledging_cannot_be_tallied(world: RoundWorld) -> None:
    world.build(members=1, pledges=(1000,), costs=(500,))
    rid = world.create()["id"]
    world.phase(rid, "pledging")
    response = world.tally(rid)
    assert response.status_code == 409
    assert "voting phase is open" in response.get_json()["error"]["message"]


@pytest.mark.config(TALLY_SYNC_MAX_BALLOTS=1)
def test_a_large_round_is_tallied_by_a_background_job(world: RoundWorld, runner, app) -> None:
    rid, ballots = voted_round(world)

    response = world.tally(rid)

    assert response.status_code == 202
    job = response.get_json()["job"]
    assert response.headers["Location"] == job["url"]
    deadline = time.monotonic() + 60
    while job["status"] not in ("done", "failed") and time.monotonic() < deadline:
        time.sleep(0.1)
        job = world.client.get(job["url"]).get_json()
    assert job["status"] == "done", job
    assert job["progress"] == 100
    body = world.client.get(f"/api/v1/rounds/{rid}/results").get_json()
    expected = independent(world, ballots, 6000)
    assert {f["issue_id"] for f in body["funded"]} == {int(p) for p in expected.selected}
    assert world.tally(rid).status_code == 409
    page = world.client.get(f"/rounds/{rid}/tally/{job['id']}")
    assert b"See the results" in page.data
    assert runner.invoke(args=["ledger-check"]).exit_code == 0


def test_the_cli_tallies_with_a_progress_bar(world: RoundWorld, runner, app) -> None:
    rid, ballots = voted_round(world)

    result = runner.invoke(args=["tally-round", str(rid), "--as", world.official.email])

    assert result.exit_code == 0, result.output
    expected = independent(world, ballots, 6000)
    assert f"Funded {len(expected.selected)} of 4 candidates" in result.output
    assert "Tallying round" in result.output
    assert "The result is provisional" in result.output
    with app.app_context():
        job = db.session.scalars(select(TallyJob).where(TallyJob.round_id == rid)).one()
        assert (job.status, job.progress) == ("done", 100)
    again = runner.invoke(args=["tally-round", str(rid), "--as", world.official.email])
    assert again.exit_code != 0
    assert "already been tallied" in again.output


@pytest.mark.parametrize("sync_max_ballots", [3, 2], ids=["small: now", "large: a job"])
def test_starting_a_tally_decides_by_the_number_of_ballots(world: RoundWorld, app, sync_max_ballots) -> None:
    rid, _ = voted_round(world)  # three ballots
    with app.app_context():
        actor = db.session.get(User, world.official.id)
        started = tally_jobs.begin_tally(db.session, actor, rid, sync_max_ballots)
        found = db.session.get(Round, rid)
        if sync_max_ballots >= 3:
            assert started.job is None
            assert started.summary is not None
            assert found.phase == "tallied"
        else:
            assert started.summary is None
            assert started.job is not None
            assert started.job.status == "queued"
            # Claimed for the job, which runs only after the caller commits.
            assert (found.phase, found.tally_token) == ("voting", started.job.token)
        db.session.rollback()


@pytest.mark.parametrize("sync_max_ballots", [2000, 1], ids=["small", "large"])
def test_the_tally_button_tallies_now_or_shows_the_jobs_progress(
    world: RoundWorld, auth, app, sync_max_ballots
) -> None:
    rid, ballots = voted_round(world)
    app.config["TALLY_SYNC_MAX_BALLOTS"] = sync_max_ballots  # the app fixture restores its config
    auth.login(world.official.email)

    unconfirmed = world.client.post(f"/rounds/{rid}/tally")  # the button, not its confirmation step
    assert unconfirmed.headers["Location"] == f"/rounds/{rid}"
    response = world.client.post(f"/rounds/{rid}/tally", data={"confirm": "yes"})

    assert response.status_code == 302
    if sync_max_ballots == 1:
        assert re.fullmatch(rf"/rounds/{rid}/tally/\d+", response.headers["Location"])
        deadline = time.monotonic() + 60
        while (
            time.monotonic() < deadline
            and b"See the results" not in world.client.get(response.headers["Location"]).data
        ):
            time.sleep(0.1)
    else:
        assert response.headers["Location"] == f"/rounds/{rid}/results"
    body = world.client.get(f"/api/v1/rounds/{rid}/results").get_json()
    expected = independent(world, ballots, 6000)
    assert {f["issue_id"] for f in body["funded"]} == {int(p) for p in expected.selected}


def test_greedy_funds_no_problem_nobody_voted_for(world: RoundWorld) -> None:
    """Found from outside: greedy funded a problem without a vote while money was left (and a round
    without a single ballot spent its pool), saying "Funded: with 0 votes"."""
    world.build(members=3, pledges=(3000, 3000), costs=COSTS)
    _a, _b, _c, d = world.issues
    rid = world.create(ballot="approval", rule="greedy")["id"]
    world.open_voting(rid)
    assert world.vote(world.members[0], rid, issue_ids=[d]).status_code == 200

    body = world.tally(rid).get_json()

    assert [f["issue_id"] for f in body["funded"]] == [d]
    assert body["spent_cents"] == 1000  # EUR 60.00 to spend: the rest waits for problems with votes
    page = world.client.get(f"/rounds/{rid}/results").get_data(as_text=True)
    assert "with 0 votes" not in page
    assert "Not funded: nobody voted for it. It costs EUR 30.00." in page
    election = parse_pb(world.client.get(f"/api/v1/rounds/{rid}/export.pb").get_data(as_text=True))
    assert (election.rule, election.meta["min_project_score_threshold"]) == ("greedy-threshold", "1")
    assert allocate(election).selected == (str(d),)  # the file's own rule gives the round's result

    world.free_pool()
    empty = world.create(name="Nobody votes", ballot="approval", rule="greedy")["id"]
    world.open_voting(empty)
    assert world.tally(empty).get_json()["funded"] == []
