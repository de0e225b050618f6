"""Round words found from outside: the results page and My Commonfix tell a voter when their ballot, or
part of it, did not count (a member who left the group before the tally, and one whose only choice was
withdrawn, had read "None of the problems you voted for could be funded this time"); the round page marks
a withdrawn candidate; the audit log names rounds, groups and pools."""

# ruff: noqa: F811  (fixtures are imported, then requested by name)
from __future__ import annotations

import html
import re

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry, Group, Issue, User
from app.services.funding import groups
from app.services.workflow import status_changes as workflow
from tests.funding.round_world import RoundWorld, world  # noqa: F401
from tests.funding_fixtures import funding  # noqa: F401


def page_for(world: RoundWorld, auth, email: str, rid: int) -> str:
    auth.logout()
    auth.login(email)
    return re.sub(r"\s+", " ", world.client.get(f"/rounds/{rid}/results").get_data(as_text=True))


def test_a_member_who_left_before_the_tally_is_told_their_ballot_did_not_count(
    world: RoundWorld, auth
) -> None:
    world.build(members=3, pledges=(2000, 2000, 2000), costs=(1500, 2000, 2500))
    rid = world.create(ballot="approval", rule="greedy")["id"]
    world.open_voting(rid)
    a, b, _c = world.issues
    leaver, stayer, _other = world.members
    assert world.vote(leaver, rid, issue_ids=[b]).status_code == 200
    assert world.vote(stayer, rid, issue_ids=[a]).status_code == 200
    with world.app.app_context():
        assert groups.leave(db.session, db.session.get(User, leaver.id), world.ref.group_id)
        db.session.commit()
        said = db.session.scalar(select(AuditEntry.action).where(AuditEntry.actor_id == leaver.id))
    assert said == "group.leave"
    # Found from outside: My Commonfix listed it as saved, like any other.
    auth.logout()
    auth.login(leaver.email)
    listed = world.client.get("/account").get_data(as_text=True)
    assert f'data-testid="ballot-not-counted-{rid}">· Does not count: you are no longer a member' in listed
    # Found from outside: the API's ballot read as any other.
    said = world.client.get(f"/api/v1/rounds/{rid}/ballot", headers=world.headers(leaver)).get_json()
    assert said["counts"] is False
    assert said["not_counted"] == "does not count: you are no longer a member of the group"
    assert world.client.get(f"/api/v1/rounds/{rid}/ballot", headers=world.headers(stayer)).get_json()[
        "counts"
    ]
    auth.logout()
    assert world.tally(rid).status_code == 200
    auth.logout()
    auth.login(leaver.email)
    listed = world.client.get("/account").get_data(as_text=True)
    assert (
        f'data-testid="ballot-not-counted-{rid}">· Not counted: you left the group before the tally' in listed
    )

    said = world.client.get(f"/api/v1/rounds/{rid}/ballot", headers=world.headers(leaver)).get_json()
    assert (said["counts"], said["not_counted"]) == (
        False,
        "not counted: you left the group before the tally",
    )
    page = page_for(world, auth, leaver.email, rid)

    assert "Your ballot was not counted: you left the group before the round was tallied" in page
    assert "None of the problems you voted for could be funded" not in page
    assert "Your ballot was not counted" not in page_for(world, auth, stayer.email, rid)


def test_a_vote_for_a_withdrawn_problem_is_said_not_to_count(world: RoundWorld, auth) -> None:
    world.build(members=2, pledges=(2000, 2000), costs=(1500, 2000))
    rid = world.create(ballot="approval", rule="greedy")["id"]
    world.open_voting(rid)
    a, b = world.issues
    only_withdrawn, both = world.members
    assert world.vote(only_withdrawn, rid, issue_ids=[a]).status_code == 200
    assert world.vote(both, rid, issue_ids=[a, b]).status_code == 200
    assert world.official is not None
    with world.app.app_context():
        closing = db.session.get(User, world.official.id)
        workflow.change_status(db.session, closing, a, "no-further-action", "Nothing to do.")
        db.session.commit()
    # Found from outside: while voting, the round's page listed the withdrawn problem like the others.
    round_page = world.client.get(f"/rounds/{rid}").get_data(as_text=True)
    assert f'data-testid="withdrawn-{a}">No longer on offer: ' in round_page
    assert f'data-testid="withdrawn-{b}"' not in round_page
    assert world.tally(rid).status_code == 200

    alone = page_for(world, auth, only_withdrawn.email, rid)
    mixed = page_for(world, auth, both.email, rid)

    assert re.search(r"Your vote for [^<]+ did not count: it was withdrawn before the tally", alone)
    assert "None of the problems you voted for could be funded" not in alone
    assert re.search(r"Your vote for [^<]+ did not count: it was withdrawn before the tally", mixed)
    assert f'href="/issues/{b}"' in mixed  # its other choice is funded, and said so


def test_the_audit_log_names_rounds_groups_and_pools(world: RoundWorld, auth) -> None:
    """Found from outside: "created round 3 in group 3", "opened pool 2 to pledges" named nothing."""
    world.build(members=2, pledges=(1000, 1000), costs=(1500, 2000))
    rid = world.create(ballot="approval", rule="greedy", name="Summer fixes")["id"]
    world.open_voting(rid)
    with world.app.app_context():
        group = db.session.get(Group, world.ref.group_id)
        assert group is not None
        group_name = group.name
    auth.login_as(auth.make_user(role="admin"))

    page = re.sub(r"\s+", " ", world.client.get("/staff/admin/audit").get_data(as_text=True))

    assert f"created round “Summer fixes” in group “{group_name}”" in html.unescape(page)
    assert "moved round “Summer fixes” to its voting phase" in html.unescape(page)


def test_an_online_ballot_naming_a_withdrawn_candidate_is_refused(world: RoundWorld) -> None:
    """Found in the recheck: the API took a vote for a withdrawn problem with a 200, unlike the page."""
    world.build(members=2, pledges=(2000, 2000), costs=(1500, 2000))
    rid = world.create(ballot="approval", rule="greedy")["id"]
    world.open_voting(rid)
    a, b = world.issues
    assert world.official is not None
    with world.app.app_context():
        closing = db.session.get(User, world.official.id)
        workflow.change_status(db.session, closing, a, "no-further-action", "Nothing to do.")
        db.session.commit()

    refused = world.vote(world.members[0], rid, issue_ids=[a, b])

    assert refused.status_code == 422
    error = refused.get_json()["error"]
    assert error["field"] == "issue_ids"
    with world.app.app_context():
        title = db.session.get(Issue, a).title  # type: ignore[union-attr]
    assert error["message"].startswith(f"Problem “{title}” (#{a}) is no longer on offer: ")
    assert world.vote(world.members[0], rid, issue_ids=[b]).status_code == 200


def test_a_refused_ballot_says_the_saved_one_still_counts(world: RoundWorld, auth) -> None:
    """Found from outside: a refused ballot showed its unsaved ticks under a green "Saved ..."."""
    world.build(members=2, pledges=(2000, 2000), costs=(1500, 2000, 2500))
    rid = world.create(ballot="k-approval", k=2, rule="greedy")["id"]
    world.open_voting(rid)
    a, b, c = world.issues
    voter = world.members[0]
    assert world.vote(voter, rid, issue_ids=[a]).status_code == 200
    auth.login(voter.email)

    refused = world.client.post(f"/rounds/{rid}/ballot", data={"issue_ids": [str(a), str(b), str(c)]})

    page = re.sub(r"\s+", " ", refused.get_data(as_text=True))
    assert refused.status_code == 422
    assert "still counts: the choices below are not saved." in page
    assert 'class="ballot__saved is-saved"' not in page
