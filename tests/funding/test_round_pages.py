"""Round pages: a group's rounds, the round page (timeline, buttons), ballots, results, estimates."""

# ruff: noqa: F811  (fixtures are imported, then requested by name)

from __future__ import annotations

import html
import re

from sqlalchemy import select

from app.extensions import db
from app.models import Issue, Round, RoundBallot
from tests.funding.round_world import RoundWorld, world  # noqa: F401
from tests.funding_fixtures import funding  # noqa: F401
from tests.page_assets import offsite_assets

COSTS = (3000, 2000, 1500, 1000)


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def test_an_admin_creates_and_runs_a_round_from_the_pages(world: RoundWorld, auth) -> None:
    world.build(members=2, pledges=(2500, 2500), costs=COSTS)
    auth.login(world.admin.email)
    gid = world.ref.group_id

    form = {
        "name": "Summer <b>fixes</b>",
        "ballot": "k-approval",
        "k": "2",
        "rule": "greedy",
        "top_n": "3",
        "leftover": "refund",
        "voting": "y",
    }
    created = world.client.post(f"/groups/{gid}/rounds", data=form)
    assert created.status_code == 302
    page = text_of(world.client.get(created.headers["Location"]))
    assert "Summer &lt;b&gt;fixes&lt;/b&gt;" in page
    assert "3 candidates" in page
    assert "Open pledging" in page
    assert "Draft" in page
    assert "Pledging" in page
    assert "Voting" in page
    rid = int(created.headers["Location"].rsplit("/", 1)[1])

    for phase in ("pledging", "voting"):
        sent = {"phase": phase, "confirm": "yes"}
        assert world.client.post(f"/rounds/{rid}/phase", data=sent).status_code == 302
    back = world.client.post(f"/rounds/{rid}/phase", data={"phase": "draft"}, follow_redirects=True)
    assert "Phases only move forward" in text_of(back)
    page = text_of(world.client.get(f"/rounds/{rid}"))
    assert "Close voting and tally" in page
    assert "Fixed when voting opened" in page

    listing = text_of(world.client.get(f"/groups/{gid}/rounds"))
    assert "Summer &lt;b&gt;fixes&lt;/b&gt;" in listing
    assert "voting" in listing
    group_page = text_of(world.client.get(f"/groups/{gid}"))
    assert "Funding rounds" in group_page


def test_bad_round_form_shows_the_error_on_the_field(world: RoundWorld, auth, count_rows) -> None:
    world.build(members=1)
    auth.login(world.admin.email)
    response = world.client.post(
        f"/groups/{world.ref.group_id}/rounds",
        data={"name": "X", "ballot": "k-approval", "rule": "greedy", "top_n": "3", "leftover": "rollover"},
    )
    assert response.status_code == 422
    assert "The approvals per ballot (k) is required: a whole number from" in text_of(response)


def test_residents_see_no_admin_buttons_and_cannot_post_them(world: RoundWorld, auth) -> None:
    world.build(members=1, costs=(1000,))
    rid = world.create()["id"]
    auth.login(world.members[0].email)
    page = text_of(world.client.get(f"/rounds/{rid}"))
    assert "Open pledging" not in page
    assert world.client.post(f"/rounds/{rid}/phase", data={"phase": "pledging"}).status_code == 403
    assert world.client.post(f"/rounds/{rid}/tally").status_code == 403


def test_a_member_votes_on_the_ballot_page(world: RoundWorld, auth) -> None:
    world.build(members=1, pledges=(5000,), costs=COSTS)
    rid = world.create(ballot="k-approval", k=2)["id"]
    world.open_voting(rid)
    a, b, c, _ = world.issues
    auth.login(world.members[0].email)

    before = text_of(world.client.get(f"/rounds/{rid}"))
    assert 'data-testid="you-voted"' not in before
    assert '">Vote</a>' in before
    page = text_of(world.client.get(f"/rounds/{rid}/ballot"))
    assert "Tick up to <strong>2</strong> problems" in page
    assert 'data-k="2"' in page
    too_many = world.client.post(f"/rounds/{rid}/ballot", data={"issue_ids": [str(a), str(b), str(c)]})
    assert too_many.status_code == 422
    assert "this ballot allows at most 2. Untick 1 of them." in text_of(too_many)
    saved = world.client.post(
        f"/rounds/{rid}/ballot", data={"issue_ids": [str(a), str(c)]}, follow_redirects=True
    )
    assert "Your ballot is saved" in text_of(saved)
    with world.app.app_context():
        assert db.session.scalars(select(RoundBallot.choices)).all() == [{str(a): 1, str(c): 1}]
    assert text_of(world.client.get(f"/rounds/{rid}/ballot")).count("checked") == 2
    # The round's page says so (found from outside: it still offered a plain "Vote").
    after = text_of(world.client.get(f"/rounds/{rid}"))
    assert "You voted: 2 problems chosen. You can change your ballot until voting closes." in after
    assert '">Change my ballot</a>' in after
    world.client.post(f"/rounds/{rid}/ballot", data={"blank": "yes"})  # a blank ballot, asked for
    assert "You cast a blank ballot." in text_of(world.client.get(f"/rounds/{rid}"))
    # An official who is not a member is not told to join the group (found from outside).
    assert world.official is not None
    auth.logout()
    auth.login(world.official.email)
    staff_view = text_of(world.client.get(f"/rounds/{rid}"))
    assert 'data-testid="staff-not-voting"' in staff_view
    assert "Join the group" not in staff_view


def drawn_from(page: str) -> str:
    found = re.search(r'name="drawn_from" value="([^"]*)"', page)
    assert found is not None
    return found.group(1)


def test_a_stale_ballot_page_does_not_replace_a_ballot_saved_since(world: RoundWorld, auth) -> None:
    """Found from outside: a tab opened earlier saved over the ballot another tab had just saved,
    both saying "Your ballot is saved". The page sends which saved ballot it was drawn from."""
    world.build(members=1, pledges=(5000,), costs=COSTS)
    rid = world.create(ballot="approval")["id"]
    world.open_voting(rid)
    a, b, c, _ = world.issues
    auth.login(world.members[0].email)
    first = world.client.get(f"/rounds/{rid}/ballot").get_data(as_text=True)
    # A double tap sends it once (found in a recheck: the second send would read as another tab's).
    assert re.search(r'<form[^>]*id="ballot-form"[^>]*data-submit-once', first)
    tab_a = drawn_from(first)
    tab_b = drawn_from(world.client.get(f"/rounds/{rid}/ballot").get_data(as_text=True))
    assert tab_a == tab_b == "none"
    saved = world.client.post(
        f"/rounds/{rid}/ballot", data={"issue_ids": [str(a), str(b)], "drawn_from": tab_a}
    )
    assert saved.status_code == 302

    stale = world.client.post(f"/rounds/{rid}/ballot", data={"issue_ids": [str(c)], "drawn_from": tab_b})

    assert stale.status_code == 409
    page = text_of(stale)
    assert "Your ballot was changed at" in page
    assert "choose again and save" in page
    with world.app.app_context():
        assert db.session.scalars(select(RoundBallot.choices)).all() == [{str(a): 1, str(b): 1}]
    assert page.count("checked") == 2  # the page shows the ballot saved, not the stale tab's
    # ... and says so (found from outside: "the choices below are not saved" under the saved ballot).
    assert "the choices below are your ballot as it is saved now" in page
    assert "the choices below are not saved" not in page
    again = world.client.post(
        f"/rounds/{rid}/ballot", data={"issue_ids": [str(c)], "drawn_from": drawn_from(page)}
    )
    assert again.status_code == 302  # from the page drawn anew, it saves
    with world.app.app_context():
        assert db.session.scalars(select(RoundBallot.choices)).all() == [{str(c): 1}]


def test_results_page_shows_funded_and_unfunded_with_reasons_money_map_and_turnout(
    world: RoundWorld, auth
) -> None:
    world.build(members=4, pledges=(1000, 1000, 1000, 1000), costs=COSTS)
    rid = world.create(by=world.official, match_ratio="1:1", match_cap_cents=2000)["id"]
    world.open_voting(rid)
    a, b, c, d = world.issues
    for member, ids in zip(world.members, ([a, b], [a], [c, d]), strict=False):
        world.vote(member, rid, issue_ids=ids)
    results = world.tally(rid).get_json()

    page = text_of(world.client.get(f"/rounds/{rid}/results"))

    assert "What gets funded" in page
    for item in results["funded"] + results["unfunded"]:
        assert item["explanation"].replace("'", "&#39;") in page
    assert "EUR 40.00" in page  # the pool
    assert "EUR 20.00" in page  # the match
    assert f"EUR {results['spent_cents'] // 100:,}.{results['spent_cents'] % 100:02d}" in page
    assert "3 of 5 eligible (60%)" in page
    assert "<svg" in page
    assert "City match" in page
    # Found from outside: the pool's statement named the match's round by its id ("round 1").
    assert world.certify(rid).status_code == 200
    statement = text_of(world.client.get(f"/pools/{world.ref.pool_id}"))
    assert "City match 1:1 (up to EUR 20.00) (round “Spring round”)" in statement
    assert "cf-pin--funded" in page  # the map of funded problems
    assert "vendor/leaflet/leaflet.js" in page
    assert offsite_assets(page) == []
    assert f"/api/v1/rounds/{rid}/export.pb" in page


def test_an_official_sets_the_estimate_from_the_issue_page(world: RoundWorld, auth) -> None:
    world.build(members=1)
    issue = world.costed_issue(None)
    auth.login(world.official.email)
    assert "Save estimate" in text_of(world.client.get(f"/issues/{issue}"))

    bad = world.client.post(f"/staff/issues/{issue}/estimate", data={"cost": "-3"}, follow_redirects=True)
    assert "The estimate was not saved" in text_of(bad)
    ok = world.client.post(f"/staff/issues/{issue}/estimate", data={"cost": "1250.50"}, follow_redirects=True)

    assert "1,250.50" in text_of(ok)
    with world.app.app_context():
        assert db.session.get(Issue, issue).cost_estimate_cents == 125050
    auth.logout()
    auth.login(world.members[0].email)
    page = text_of(world.client.get(f"/issues/{issue}"))
    assert "1,250.50" in page
    assert "Save estimate" not in page
    assert world.client.post(f"/staff/issues/{issue}/estimate", data={"cost": "1"}).status_code == 403


def test_a_finished_round_says_voting_is_closed_to_everyone_and_its_state_on_the_group_page(
    world: RoundWorld, auth
) -> None:
    world.build(members=2, pledges=(1000,), costs=(500, 4000))  # the second costs more than the pool
    rid = world.create()["id"]
    world.open_voting(rid)
    outsider = world.make_user()
    auth.login(outsider.email)
    open_page = text_of(world.client.get(f"/rounds/{rid}/ballot"))
    # Found from outside: "Join the group first" while voting was open, then "you joined after voting
    # opened" once joined. Only members of when voting opened vote; the advice says so.
    assert "Only members who had joined the neighbourhood group when voting opened" in open_page
    assert "Join the group to vote in its next round" in open_page
    assert "it can only be funded if the pool grows before the tally" in open_page
    auth.logout()  # the API calls below carry tokens, not this session
    assert world.vote(world.members[0], rid, issue_ids=[world.issues[0]]).status_code == 200
    assert world.tally(rid).status_code == 200
    group = f"/groups/{world.ref.group_id}"
    assert ">Provisional result</span>" in text_of(world.client.get(group))
    assert world.certify(rid).status_code == 200

    for viewer in (outsider, world.members[1]):  # an outsider, and a member who did not vote
        auth.logout()  # a login over a login keeps the first
        auth.login(viewer.email)
        assert viewer.display_name in text_of(world.client.get("/account"))
        page = text_of(world.client.get(f"/rounds/{rid}/ballot"))
        assert "Voting is closed." in page
        assert "Join the group first" not in page
        assert "before the tally" not in page
        assert f'href="/rounds/{rid}/results"' in page
    assert ">Certified</span>" in text_of(world.client.get(group))
    # The voter's My Commonfix names the round's state as the group page does (it said "Tallied").
    auth.logout()
    auth.login(world.members[0].email)
    ballots = text_of(world.client.get("/account")).split('id="rounds"')[1].split("</section>")[0]
    assert ">Certified</span>" in ballots
    assert "Tallied" not in ballots


def rounds_list_card(page: str, round_id: int) -> str:
    found = re.search(rf'<li class="round-card">\s*<a[^>]*href="/rounds/{round_id}".*?</li>', page)
    assert found is not None, page
    return found.group(0)


def test_a_groups_list_of_rounds_names_the_result_state_and_the_rule_as_the_round_page_does(
    world: RoundWorld,
) -> None:
    # Found from outside: the list said "tallied" of a round the group page called "certified", and
    # named the rule by its engine code ("equalshares/add1").
    world.build(members=2, pledges=(1000,), costs=(500,))
    rid = world.create()["id"]
    world.open_voting(rid)
    assert world.vote(world.members[0], rid, issue_ids=[world.issues[0]]).status_code == 200
    assert world.tally(rid).status_code == 200
    listing = f"/groups/{world.ref.group_id}/rounds"
    card = rounds_list_card(text_of(world.client.get(listing)), rid)
    assert ">Provisional result</span>" in card
    assert "Method of Equal Shares" in card
    assert "equalshares/add1" not in card
    assert world.certify(rid).status_code == 200
    card = rounds_list_card(text_of(world.client.get(listing)), rid)
    assert ">Certified</span>" in card
    assert f'href="/rounds/{rid}/results"' in card


def test_the_match_form_shows_the_rounds_match_and_sending_it_again_changes_nothing(
    world: RoundWorld, auth
) -> None:
    """Found from outside: the cap field came up empty, so pressing "Set the city match" on the form as
    shown removed a EUR 50.00 cap; and a round with no match showed "1:1" as if it had one."""
    world.build(members=2, pledges=(1000, 1000), costs=COSTS)
    capped = world.create(by=world.official, match_ratio="1:2", match_cap_cents=5000)["id"]
    assert world.official is not None
    auth.login(world.official.email)
    page = text_of(world.client.get(f"/rounds/{capped}"))
    form = page.split(f'action="/rounds/{capped}/match"')[1].split("</form>")[0]
    assert 'name="match_ratio" placeholder="1:1" type="text" value="1:2"' in form
    assert 'name="match_cap" placeholder="500.00" type="text" value="50.00"' in form
    # The form as drawn, sent again (the tests' app checks no CSRF token).
    world.client.post(f"/rounds/{capped}/match", data={"match_ratio": "1:2", "match_cap": "50.00"})
    with world.app.app_context():
        found = db.session.get(Round, capped)
        assert found is not None
        assert (found.match_num, found.match_den, found.match_cap_cents) == (1, 2, 5000)


def test_a_refused_match_is_said_beside_its_field_with_what_was_typed(world: RoundWorld, auth) -> None:
    """Found from outside: a refused ratio or cap was a flash at the top of the page, in the API's
    field names, and both fields came back empty."""
    world.build(members=2, pledges=(1000, 1000), costs=COSTS)
    rid = world.create(by=world.official, match_ratio="1:2", match_cap_cents=5000)["id"]
    assert world.official is not None
    auth.login(world.official.email)
    for typed, field, said in (
        (
            {"match_ratio": "abc", "match_cap": "20.00"},
            "match_ratio",
            'The city match ratio must look like "1:1"',
        ),
        ({"match_ratio": "1:1", "match_cap": "lots"}, "match_cap", "Cap: use digits and a decimal point"),
    ):
        refused = world.client.post(f"/rounds/{rid}/match", data=typed)
        assert refused.status_code == 422
        form = text_of(refused).split(f'action="/rounds/{rid}/match"')[1].split("</form>")[0]
        assert re.search(
            rf'<p class="field__error" id="{field}-error">{re.escape(said)}', html.unescape(form)
        )
        for name, value in typed.items():
            assert re.search(rf'name="{name}" [^>]*value="{re.escape(value)}"', form), name
    with world.app.app_context():
        found = db.session.get(Round, rid)
        assert found is not None
        assert (found.match_num, found.match_den, found.match_cap_cents) == (1, 2, 5000)  # nothing changed


def test_an_official_is_told_who_votes_in_a_codes_round(world: RoundWorld, auth) -> None:
    """Found from outside: an official read "Members of <group> vote in this round" on a round voted
    with codes."""
    world.build(members=1, pledges=(1000,), costs=COSTS)
    rid = world.create(eligibility="codes")["id"]
    world.open_voting(rid)
    assert world.official is not None
    auth.login(world.official.email)
    view = text_of(world.client.get(f"/rounds/{rid}"))
    assert "Holders of a voting code vote in this round; you see it as city staff." in view
    assert "voters tick every problem they support" in view  # not "members", who do not vote here
