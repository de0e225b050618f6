"""The pages of a likes round: the round form's choice, the ballot page's count and toggles, which like
and unlike the problems, likes given elsewhere showing on the ballot, and toggles refused outside the
window or to outsiders with nothing stored."""

# ruff: noqa: F811  (fixtures are imported, then requested by name)

from __future__ import annotations

import re

from sqlalchemy import func, select, update

from app.extensions import db
from app.models import Issue, Like, Round
from tests.funding.round_world import RoundWorld, world  # noqa: F401
from tests.funding_fixtures import funding  # noqa: F401

COSTS = (3000, 2000, 1500, 1000)


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def likes_of(world: RoundWorld, user_id: int) -> set[int]:
    with world.app.app_context():
        return set(db.session.scalars(select(Like.issue_id).where(Like.user_id == user_id)))


def toggle(world: RoundWorld, rid: int, issue_id: int, liked: str):
    return world.client.post(f"/rounds/{rid}/ballot/likes/{issue_id}", data={"liked": liked})


def test_the_round_form_offers_likes_as_ballots_and_names_the_field_at_fault(world: RoundWorld, auth) -> None:
    world.build(members=1, costs=COSTS)
    auth.login(world.admin.email)
    gid = world.ref.group_id
    page = text_of(world.client.get(f"/groups/{gid}/rounds"))
    assert '<option value="likes">Their likes are their vote</option>' in page
    assert "likes among the candidates are their ballot, added or removed until voting closes" in page

    form = {
        "name": "Liked",
        "ballot": "likes",
        "rule": "equalshares/add1",
        "top_n": "4",
        "leftover": "rollover",
    }
    refused = world.client.post(f"/groups/{gid}/rounds", data={**form, "voting": "y", "k": "2"})
    assert refused.status_code == 422
    assert "k must not be set on a likes ballot" in text_of(refused)
    no_voting = world.client.post(f"/groups/{gid}/rounds", data=form)  # the voting box unticked
    assert no_voting.status_code == 422
    assert "A likes ballot needs a voting phase" in text_of(no_voting)
    with world.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Round)) == 0

    created = world.client.post(f"/groups/{gid}/rounds", data={**form, "voting": "y"})
    assert created.status_code == 302
    with world.app.app_context():
        made = db.session.scalars(select(Round)).one()
        assert (made.ballot, made.rule, made.k) == ("likes", "equalshares/add1", None)


def test_the_ballot_page_toggles_likes_and_shows_likes_given_elsewhere(world: RoundWorld, auth) -> None:
    world.build(members=2, pledges=(2000, 2000), costs=COSTS)
    a, b, c, d = world.issues
    member, other = world.members
    rid = world.create(ballot="likes")["id"]
    world.like(member, a)  # before voting opens
    world.open_voting(rid)
    auth.login(member.email)

    page = text_of(world.client.get(f"/rounds/{rid}/ballot"))
    assert "Your likes count as your vote: <strong>1 of the 4 candidates</strong>" in page
    assert page.count("On your ballot: you like this.") == 1
    assert page.count("Like it: add to my ballot") == 3
    assert "Every change is saved at once" in page
    round_page = text_of(world.client.get(f"/rounds/{rid}"))
    assert "In this round your likes are your vote" in round_page
    assert 'data-testid="ballots">1 of' in round_page  # the member who likes a candidate has a ballot

    added = toggle(world, rid, c, "yes")
    assert added.status_code == 302
    assert added.headers["Location"].endswith(f"/rounds/{rid}/ballot#candidate-{c}")
    assert likes_of(world, member.id) == {a, c}
    after = text_of(world.client.get(f"/rounds/{rid}/ballot"))
    assert "is on your ballot: you like it. Your likes count as your vote: 2 of the 4 candidates." in after
    assert "<strong>2 of the 4 candidates</strong>" in after

    assert toggle(world, rid, a, "no").status_code == 302
    assert likes_of(world, member.id) == {c}
    problem = text_of(world.client.get(f"/issues/{a}"))
    assert "Like" in problem  # the problem page shows the like withdrawn (no "Unlike")

    world.like(member, d)  # a like given elsewhere is on the ballot at once
    page = text_of(world.client.get(f"/rounds/{rid}/ballot"))
    assert "<strong>2 of the 4 candidates</strong>" in page
    assert f'id="candidate-{d}" data-issue="{d}"' in page
    assert re.search(rf'likes-ballot__item is-on" id="candidate-{d}"', page)
    assert likes_of(world, other.id) == set()
    assert b not in likes_of(world, member.id)


def test_toggles_are_refused_outside_the_window_to_outsiders_and_for_bad_values(
    world: RoundWorld, auth
) -> None:
    world.build(members=1, costs=COSTS)
    a = world.issues[0]
    member = world.members[0]
    outsider = world.make_user(display_name="Outsider")
    rid = world.create(ballot="likes")["id"]
    auth.login(member.email)

    early = toggle(world, rid, a, "yes")
    assert early.status_code == 302
    assert "Voting has not opened yet" in text_of(world.client.get(f"/rounds/{rid}/ballot"))
    auth.logout()  # the API below takes bearer tokens; a cookie session would need a CSRF token
    world.open_voting(rid)
    auth.login(member.email)
    bad = world.client.post(f"/rounds/{rid}/ballot/likes/{a}", data={"liked": "maybe"}, follow_redirects=True)
    assert 'liked must be "yes"' in text_of(bad).replace("&#34;", '"')
    stranger_issue = world.costed_issue(None)
    not_candidate = toggle(world, rid, stranger_issue, "yes")
    assert not_candidate.status_code == 302
    assert likes_of(world, member.id) == set()

    auth.logout()
    auth.login(outsider.email)
    refused = world.client.post(
        f"/rounds/{rid}/ballot/likes/{a}", data={"liked": "yes"}, follow_redirects=True
    )
    # Voting is open: joining now counts for the group's next round, and the refusal says so.
    assert "Only members who had joined the neighbourhood group when voting opened" in text_of(refused)
    assert likes_of(world, outsider.id) == set()

    auth.logout()
    closing = world.client.post(f"/api/v1/rounds/{rid}/voting-close", headers=world.headers(world.admin))
    assert closing.status_code == 200, closing.get_json()
    auth.login(member.email)
    late = world.client.post(f"/rounds/{rid}/ballot/likes/{a}", data={"liked": "yes"}, follow_redirects=True)
    assert "Your ballot did not change: Voting in this round closed" in text_of(late)
    assert likes_of(world, member.id) == set()
    closed = text_of(world.client.get(f"/rounds/{rid}/ballot"))
    assert "Voting is closed. Your ballot is what you liked when it closed" in closed
    assert "add to my ballot" not in closed


def test_a_member_takes_a_candidate_hidden_since_voting_opened_off_their_ballot(
    world: RoundWorld, auth
) -> None:
    """Found in an outside pass: moderators hid a candidate while voting ran; the member's like of it still
    counted as their vote, and taking it off the ballot answered "There is no issue". It now comes off."""
    world.build(members=1, pledges=(2000,), costs=COSTS)
    a = world.issues[0]
    (member,) = world.members
    rid = world.create(ballot="likes")["id"]
    world.like(member, a)
    world.open_voting(rid)
    with world.app.app_context():
        db.session.execute(update(Issue).where(Issue.id == a).values(is_hidden=True))
        db.session.commit()
    auth.login(member.email)

    taken_off = toggle(world, rid, a, "no")

    assert taken_off.status_code == 302
    assert likes_of(world, member.id) == set()
    page = text_of(world.client.get(taken_off.headers["Location"]))
    assert "is off your ballot: your like is withdrawn" in page
    assert "<strong>0 of the 4 candidates</strong>" in page
