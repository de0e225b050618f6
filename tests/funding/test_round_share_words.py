"""What a voter's share is called on the results page: an equal part of the round's money, or, once
the rule raised the shares to spend the money, a way of counting that is not the voter's money."""

# ruff: noqa: F811  (fixtures are imported, then requested by name)

from __future__ import annotations

from tests.funding.round_world import RoundWorld, world  # noqa: F401
from tests.funding.test_round_words_pages import text_of
from tests.funding_fixtures import funding  # noqa: F401


def test_a_raised_share_is_not_called_an_equal_part_of_the_money(world: RoundWorld, auth) -> None:
    """Found from outside: "In all EUR 142.50 of your EUR 142.50 share ... Your share is your equal
    part of the round's money", with EUR 250.00 among three voters."""
    world.build(members=3, pledges=(1000, 1000, 1000), costs=(2000, 1500))
    a, b = world.issues
    rid = world.create(rule="equalshares/add1")["id"]
    world.open_voting(rid)
    for member, chosen in zip(world.members, ([a], [a], [b]), strict=True):
        assert world.vote(member, rid, issue_ids=chosen).status_code == 200
    assert world.tally(rid).status_code == 200
    auth.login(world.members[0].email)

    page = text_of(world.client.get(f"/rounds/{rid}/results"))

    assert "That would have left money unspent, so the rule tried again" in page  # the share was raised
    assert "In all EUR 10.00 of your EUR 14.99 share went to problems you voted for." in page
    assert "Your share is the larger share the rule settled on (above), the same for every voter" in page
    assert "your equal part of the round's money" not in page


def test_a_share_not_raised_is_an_equal_part_of_the_money(world: RoundWorld, auth) -> None:
    world.build(members=2, pledges=(1000, 1000), costs=(2000,))
    (a,) = world.issues
    rid = world.create(rule="equalshares/add1")["id"]
    world.open_voting(rid)
    for member in world.members:
        assert world.vote(member, rid, issue_ids=[a]).status_code == 200
    assert world.tally(rid).status_code == 200
    auth.login(world.members[0].email)

    page = text_of(world.client.get(f"/rounds/{rid}/results"))

    assert "In all EUR 10.00 of your EUR 10.00 share went to problems you voted for." in page
    assert "Your share is your equal part of the round's money, not what you pledged." in page
