"""An empty pool's results say there was nothing to spend (found from outside: its Equal Shares result
told of shares raised to EUR 33.33 "that still funds no more than the EUR 0.00"), and a problem dearer
than the whole pool shows no engine trace. Both engines."""

# ruff: noqa: F811  (fixtures are imported, then requested by name)

from __future__ import annotations

import re

from tests.funding.round_world import RoundWorld, world  # noqa: F401
from tests.funding.test_round_words_pages import text_of
from tests.funding_fixtures import funding  # noqa: F401


def tallied_results(world: RoundWorld, pledges: tuple[int, ...]) -> str:
    """The results page of an Equal Shares round over problems costing EUR 30.00 and EUR 20.00, which
    three members both approved, with `pledges` (cents) in the pool."""
    world.build(members=3, pledges=pledges, costs=(3000, 2000))
    rid = world.create(rule="equalshares/add1")["id"]
    world.open_voting(rid)
    for member in world.members[:3]:
        assert world.vote(member, rid, issue_ids=list(world.issues)).status_code == 200
    assert world.tally(rid).status_code == 200
    return text_of(world.client.get(f"/rounds/{rid}/results"))


def test_an_empty_pools_results_say_there_was_nothing_to_spend(world: RoundWorld) -> None:
    """Found from outside: a round whose pool held EUR 0.00 said its shares were raised to EUR 33.33
    "that still funds no more than the EUR 0.00"."""
    shares = re.search(r'<p data-testid="shares">(.*?)</p>', tallied_results(world, pledges=()))

    assert shares
    assert shares.group(1) == (
        "There was nothing to spend: the pool and the city's match came to EUR 0.00 at the tally, so no "
        "problem could be funded."
    )


def test_a_problem_dearer_than_the_pool_has_no_engine_trace(world: RoundWorld) -> None:
    """Found from outside: under the plain "costs more than the whole EUR 0.00", the engine's words
    told of supporters who "held 1,998.00 left" (the add1 completion's raised shares)."""
    page = tallied_results(world, pledges=(1000, 1000))
    a, b = world.issues
    dear = re.search(rf'<li class="outcome outcome--unfunded" data-issue="{a}">(.*?)</li>', page, re.S)
    funded = re.search(rf'<li class="outcome outcome--funded" data-issue="{b}">(.*?)</li>', page, re.S)

    assert dear
    assert funded
    assert "more than the whole EUR 20.00 there was to spend" in dear.group(1)
    assert "How the rule got there" not in dear.group(1)
    assert "How the rule got there" in funded.group(1)
