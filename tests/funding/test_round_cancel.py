"""Cancelling a round: its group's admins before voting opens (a round set up by mistake), the city
after; the reason is checked; and the page says truly what became of it. Both engines."""

# ruff: noqa: F811  (fixtures are imported, then requested by name)

from __future__ import annotations

import re

from app.extensions import db
from app.models import Round
from tests.funding.round_world import RoundWorld, world  # noqa: F401
from tests.funding.test_payouts import COSTS
from tests.funding_fixtures import funding  # noqa: F401


def draft_as_admin(world: RoundWorld) -> int:
    """A draft round of a group whose admin is logged in on the web."""
    world.build(members=2, pledges=(1000,), costs=COSTS)
    draft = int(world.create(name="Probe")["id"])
    assert world.admin is not None
    world.auth.login_as(world.admin)
    return draft


def cancel_on_page(world: RoundWorld, round_id: int, reason: str) -> str:
    """The round page's "Cancel this round" step, confirmed; the page it lands on."""
    done = world.client.post(
        f"/rounds/{round_id}/cancellation",
        data={"reason": reason, "confirm": "yes", "csrf_token": world.auth.csrf_token()},
        follow_redirects=True,
    )
    return str(done.get_data(as_text=True))


def test_a_group_admin_cancels_a_round_before_voting_opens_but_not_after(world: RoundWorld) -> None:
    """Found from outside: a draft set up by mistake could not be removed by its admin and stayed on
    the group page. Before voting opens the admin cancels it, with a reason; once voting is open only
    the city may (the role x action table holds both)."""
    draft = draft_as_admin(world)
    page = world.client.get(f"/rounds/{draft}").get_data(as_text=True)
    assert "Cancel this round" in page

    done = cancel_on_page(world, draft, "Set up by mistake.")

    assert "The round is cancelled" in done
    # What the page says of it is true (found from outside: "cancelled by the city", "Fixed since voting
    # opened", "Tallied" done, and the live pool figures).
    said = " ".join(done.split())
    assert "This round was cancelled before voting opened: Set up by mistake." in said
    assert "by the city" not in said
    assert "Nobody voted: the round was cancelled before voting opened." in said
    assert "Fixed since voting opened" not in said
    assert "it is fixed when voting opens" not in said
    assert 'data-testid="pool"' not in done
    steps = re.findall(
        r'timeline__step--(\w+)"[^>]*>\s*(?:\{#.*?#\}\s*)?<span class="timeline__label">([^<]+)<', done, re.S
    )
    assert steps == [
        ("done", "Draft"),
        ("todo", "Pledging"),
        ("todo", "Voting"),
        ("todo", "Tallied"),
        ("current", "Cancelled"),
    ]
    with world.app.app_context():
        found = db.session.get(Round, draft)
        assert found is not None
        assert (found.phase, found.result_status) == ("closed", "cancelled")
    with world.client.session_transaction() as session:
        session.clear()  # the round's API calls go by token alone
    voting = world.create(name="Real")["id"]
    world.open_voting(voting)
    world.auth.login_as(world.admin)
    assert "Cancel this round" not in world.client.get(f"/rounds/{voting}").get_data(as_text=True)


def test_a_reason_with_control_characters_is_refused_and_nothing_changes(world: RoundWorld) -> None:
    """Found in review: a cancelled round's reason was only stripped, so a group admin could store a
    text-direction override that turns the round's history around for everyone who reads it."""
    draft = draft_as_admin(world)

    refused = cancel_on_page(world, draft, "Oops \u202eevil")

    assert "Reason must not contain control characters" in refused
    with world.app.app_context():
        found = db.session.get(Round, draft)
        assert found is not None
        assert found.phase == "draft"
