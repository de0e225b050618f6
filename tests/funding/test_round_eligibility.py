"""Who may vote (issue 19, item 1): the policy set at creation and frozen when voting opens, the one
eligibility check of ballots and tally for each policy, and turnout as eligible ballots of the count
taken when voting opened (the census itself: test_census.py). Both engines (the `backend` param)."""

# ruff: noqa: F811  (fixtures are imported, then requested by name)

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import (
    Round,
    RoundBallot,
    User,
    VotingCode,
    VotingCodeBatch,
)
from app.models.timestamps import utcnow
from app.services.funding import groups
from app.services.rounds import voter_keys
from tests.funding.census_calls import (
    OLD_TOWN_IDS,
    audits,
    count,
    error_of,
    old_town,
    riverside,
    upload,
    verify,
)
from tests.funding.round_world import RoundWorld, world  # noqa: F401
from tests.funding_fixtures import funding  # noqa: F401

COSTS = (3000, 2000, 1500, 1000)


def test_eligibility_is_chosen_at_creation_with_members_by_default(world: RoundWorld) -> None:
    world.build(members=1, costs=COSTS)
    assert world.create()["eligibility"] == "members"
    assert world.create(eligibility="census")["eligibility"] == "census"
    before = count(world, Round)
    refused = world.client.post(
        "/api/v1/rounds",
        json={
            "group_id": world.ref.group_id if world.ref else 0,
            "name": "Bad",
            "ballot": "approval",
            "rule": "greedy",
            "top_n": 3,
            "leftover": "rollover",
            "eligibility": "everyone",
        },
        headers=world.headers(world.admin),
    )
    assert refused.status_code == 422
    assert error_of(refused)["field"] == "eligibility"
    assert count(world, Round) == before
    assert [e.details["eligibility"] for e in audits(world, "round.create")] == ["members", "census"]


def test_eligibility_changes_are_audited_until_voting_opens_then_frozen(world: RoundWorld) -> None:
    world.build(members=2, costs=COSTS)
    rid = world.create()["id"]
    headers = world.headers(world.admin)

    changed = world.client.patch(f"/api/v1/rounds/{rid}", json={"eligibility": "codes"}, headers=headers)
    by_member = world.client.patch(
        f"/api/v1/rounds/{rid}", json={"eligibility": "members"}, headers=world.headers(world.members[0])
    )
    world.client.patch(f"/api/v1/rounds/{rid}", json={"eligibility": "members"}, headers=headers)
    world.open_voting(rid)
    frozen = world.client.patch(f"/api/v1/rounds/{rid}", json={"eligibility": "census"}, headers=headers)

    assert changed.status_code == 200
    assert changed.get_json()["eligibility"] == "codes"
    assert by_member.status_code == 403
    assert frozen.status_code == 409
    assert error_of(frozen)["field"] == "eligibility"
    assert "cannot change once voting has opened" in error_of(frozen)["message"]
    assert world.client.get(f"/api/v1/rounds/{rid}").get_json()["eligibility"] == "members"
    trail = [(e.actor_id, e.details) for e in audits(world, "round.eligibility")]
    assert world.admin is not None
    assert trail == [
        (world.admin.id, {"before": "members", "after": "codes"}),
        (world.admin.id, {"before": "codes", "after": "members"}),
    ]


def test_the_web_form_refuses_an_eligibility_change_after_voting_opened(world: RoundWorld) -> None:
    world.build(members=1, costs=COSTS)
    rid = world.create()["id"]
    world.open_voting(rid)
    world.auth.login_as(world.admin)

    page = world.client.post(
        f"/rounds/{rid}/eligibility", data={"eligibility": "census"}, follow_redirects=True
    ).get_data(as_text=True)

    assert "Who may vote was not changed: eligibility cannot change once voting has opened" in page
    assert world.client.get(f"/api/v1/rounds/{rid}").get_json()["eligibility"] == "members"
    assert audits(world, "round.eligibility") == []


def census_round(world: RoundWorld) -> int:
    world.build(members=3, pledges=(5000,), costs=COSTS)
    return int(world.create(eligibility="census")["id"])


def test_a_census_round_opens_only_with_a_census_and_counts_its_entries(world: RoundWorld) -> None:
    rid = census_round(world)
    assert world.phase(rid, "pledging").status_code == 200
    no_census = world.phase(rid, "voting")
    assert no_census.status_code == 409
    assert error_of(no_census)["field"] == "eligibility"
    assert upload(world, old_town(world), OLD_TOWN_IDS).status_code == 201

    assert world.phase(rid, "voting").status_code == 200
    replace = upload(world, old_town(world), ["NEW-1"])

    assert replace.status_code == 409
    assert error_of(replace)["field"] == "identifiers"
    turnout = world.client.get(f"/api/v1/rounds/{rid}").get_json()["turnout"]
    assert turnout == {"ballots": 0, "eligible": 4, "final": False}


def test_census_round_ballots_need_a_verification_of_the_groups_area(world: RoundWorld) -> None:
    rid = census_round(world)
    assert upload(world, old_town(world), OLD_TOWN_IDS).status_code == 201
    assert upload(world, riverside(world), ["RS-9"]).status_code == 201
    world.open_voting(rid)
    a = world.issues[0]
    member, elsewhere = world.members[0], world.members[1]
    outsider = world.make_user(display_name="Verified neighbour")  # not a member: the census decides

    unverified = world.vote(member, rid, issue_ids=[a])
    assert verify(world, elsewhere, riverside(world), "RS-9").status_code == 200
    other_area = world.vote(elsewhere, rid, issue_ids=[a])
    assert verify(world, outsider, old_town(world), "AB-1003").status_code == 200
    neighbour = world.vote(outsider, rid, issue_ids=[a])

    assert unverified.status_code == 403
    assert error_of(unverified)["field"] == "eligibility"
    assert (
        "Verify that you live in Old Town: enter the identifier from your letter"
        in error_of(unverified)["message"]
    )
    assert other_area.status_code == 403
    assert neighbour.status_code == 200
    with world.app.app_context():
        voters = set(db.session.scalars(select(RoundBallot.user_id).where(RoundBallot.round_id == rid)))
    assert voters == {outsider.id}
    assert world.tally(rid).status_code == 200
    results = world.client.get(f"/api/v1/rounds/{rid}/results").get_json()
    assert results["turnout"] == {"ballots": 1, "members": 4}


def test_members_rounds_take_members_who_had_joined_when_voting_opened(world: RoundWorld) -> None:
    world.build(members=3, pledges=(5000,), costs=COSTS)
    rid = world.create()["id"]
    world.open_voting(rid)
    a = world.issues[0]
    late = world.funding.member(world.ref, display_name="Late Joiner")
    unconfirmed = world.make_user(email_confirmed=False)
    leaver = world.members[2]

    refused_late = world.vote(late, rid, issue_ids=[a])
    refused_unconfirmed = world.vote(unconfirmed, rid, issue_ids=[a])
    for voter in (world.members[0], leaver):
        assert world.vote(voter, rid, issue_ids=[a]).status_code == 200
    with world.app.app_context():
        groups.leave(db.session, db.session.get(User, leaver.id), world.ref.group_id)  # type: ignore[union-attr]
        db.session.commit()
    after_leaving = world.vote(leaver, rid, issue_ids=[])

    assert refused_late.status_code == 403
    assert "after voting opened" in error_of(refused_late)["message"]
    assert refused_unconfirmed.status_code == 403
    assert "Confirm your email" in error_of(refused_unconfirmed)["message"]
    assert after_leaving.status_code == 403
    assert "Join the group to vote in its next round" in error_of(after_leaving)["message"]
    # 4 eligible when voting opened (the admin and 3 members); the leaver's ballot no longer counts.
    assert world.client.get(f"/api/v1/rounds/{rid}").get_json()["turnout"] == {
        "ballots": 1,
        "eligible": 4,
        "final": False,
    }
    assert world.tally(rid).status_code == 200
    turnout = world.client.get(f"/api/v1/rounds/{rid}/results").get_json()["turnout"]
    assert turnout == {"ballots": 1, "members": 4}
    assert world.ref is not None
    group_page = world.client.get(f"/groups/{world.ref.group_id}").get_data(as_text=True)
    round_page = world.client.get(f"/rounds/{rid}/results").get_data(as_text=True)
    assert "1 of 4 eligible" in group_page
    assert "1 of 4 eligible" in round_page


def test_codes_rounds_take_residents_who_claimed_a_code_online(world: RoundWorld) -> None:
    world.build(members=2, pledges=(5000,), costs=COSTS)
    rid = world.create(eligibility="codes")["id"]
    holder = world.members[0]
    with world.app.app_context():
        batch = VotingCodeBatch(round_id=rid, count=3, label="Library desk")
        db.session.add(batch)
        db.session.flush()
        for n in range(3):
            db.session.add(
                VotingCode(batch_id=batch.id, round_id=rid, code_hash=voter_keys.code_hash(f"CODE-{n}"))
            )
        db.session.commit()
    world.open_voting(rid)
    a = world.issues[0]

    before_claim = world.vote(holder, rid, issue_ids=[a])
    with world.app.app_context():
        code = db.session.scalars(select(VotingCode).where(VotingCode.round_id == rid)).first()
        assert code is not None
        code.user_id, code.used_via, code.used_at = holder.id, "online", utcnow()
        db.session.commit()
    after_claim = world.vote(holder, rid, issue_ids=[a])

    assert before_claim.status_code == 403
    assert "Enter the voting code you were given" in error_of(before_claim)["message"]
    assert after_claim.status_code == 200
    assert world.client.get(f"/api/v1/rounds/{rid}").get_json()["turnout"] == {
        "ballots": 1,
        "eligible": 3,
        "final": False,
    }


def test_the_ballot_page_says_why_and_links_to_the_verification(world: RoundWorld) -> None:
    rid = census_round(world)
    assert upload(world, old_town(world), OLD_TOWN_IDS).status_code == 201
    world.open_voting(rid)
    member = world.members[0]
    world.auth.login_as(member)

    ballot = world.client.get(f"/rounds/{rid}/ballot").get_data(as_text=True)
    verify_url = f"/areas/{old_town(world)}/verification"
    page = world.client.get(verify_url)
    wrong = world.client.post(verify_url, data={"identifier": "AB-0000"})
    right = world.client.post(f"{verify_url}?next=/rounds/{rid}/ballot", data={"identifier": "ab1004"})
    after = world.client.get(f"/rounds/{rid}/ballot").get_data(as_text=True)

    assert "Only residents verified against Old Town&#39;s census can vote in this round." in ballot
    assert f'href="{verify_url}?next=/rounds/{rid}/ballot"' in ballot
    assert page.status_code == 200
    assert "Your identifier" in page.get_data(as_text=True)
    assert wrong.status_code == 422
    assert "not on Old Town&#39;s census" in wrong.get_data(as_text=True)
    assert right.status_code == 302
    assert right.headers["Location"].endswith(f"/rounds/{rid}/ballot")
    assert 'data-testid="refusal"' not in after
    assert "Save my ballot" in after


def test_the_verification_leads_back_only_to_a_path_on_this_site(world: RoundWorld) -> None:
    """Browsers read a backslash as a slash and drop tabs and line breaks from a link, so `/\\host`
    and `/<tab>/host` lead to another site: the page's "Back to your ballot" link keeps neither."""
    census_round(world)
    assert upload(world, old_town(world), OLD_TOWN_IDS).status_code == 201
    world.auth.login_as(world.members[0])
    verify_url = f"/areas/{old_town(world)}/verification"
    verified = world.client.post(f"{verify_url}?next=/%5Cevil.example", data={"identifier": "ab1004"})

    pages = {
        target: world.client.get(f"{verify_url}?next={target}").get_data(as_text=True)
        for target in ("/%5Cevil.example", "/%09/evil.example", "/%0A/evil.example", "/rounds/1/ballot")
    }

    assert verified.status_code == 302
    assert verified.headers["Location"] == verify_url
    assert [target for target, page in pages.items() if "evil.example" in page] == []
    assert 'href="/rounds/1/ballot">Back to your ballot' in pages["/rounds/1/ballot"]
