"""Round pages in plain words: results sentences and a voter's part, the ballot's cards and messages,
the pledge field and the pool page's treasurer, paying and unspent money."""

# ruff: noqa: F811  (fixtures are imported, then requested by name)

from __future__ import annotations

import html
import re

from markupsafe import escape
from sqlalchemy import update

from app.extensions import db
from app.models import Issue, Photo
from app.services.funding.payments import get_provider
from tests.funding.round_world import RoundWorld, world  # noqa: F401
from tests.funding_fixtures import funding  # noqa: F401


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def tallied_equal_shares_round(world: RoundWorld) -> tuple[int, int, int]:
    """Two members with 20.00 each; A (30.00) has both as supporters, B (20.00) only the second."""
    world.build(members=2, pledges=(2000, 2000), costs=(3000, 2000))
    a, b = world.issues
    rid = world.create(rule="equalshares/add1")["id"]
    world.open_voting(rid)
    assert world.vote(world.members[0], rid, issue_ids=[a]).status_code == 200
    assert world.vote(world.members[1], rid, issue_ids=[a, b]).status_code == 200
    assert world.tally(rid).status_code == 200
    return rid, a, b


def test_results_read_in_euros_with_the_rule_named_and_the_trace_folded_away(world: RoundWorld) -> None:
    rid, _, _ = tallied_equal_shares_round(world)

    page = text_of(world.client.get(f"/rounds/{rid}/results"))

    assert (
        'Decided by <a href="/rounds/rules#equal-shares">the Method of Equal Shares</a>, '
        "the proportional rule used by Wieliczka and Aarau." in page
    )
    funded = re.search(
        r"Funded: 2 supporters shared the EUR 30\.00 cost; "
        r"each paid EUR 15\.00 of their EUR (\d+\.\d\d) share\.",
        page,
    )
    assert funded, page
    share_cents = round(float(funded.group(1)) * 100)
    assert share_cents >= 2000  # the completion may raise the equal share (20.00) but never lowers it
    left = f"EUR {(share_cents - 1500) // 100}.{(share_cents - 1500) % 100:02d}"
    assert f"Not funded: its one supporter had {left} left, it costs EUR 20.00." in page
    assert "split into equal shares, one for each of the 2 voters (a blank ballot has its share too)" in page
    # Found from outside: raised shares that add up to more than the budget read as a contradiction,
    # and "raised ... as far as it could" as a solver's words.
    assert "so the rule tried again with larger shares, the same for everyone" in page
    assert "Larger shares do not make more money: voters pay only towards the problems funded" in page
    # The engine's own words stay, folded behind a details control.
    assert re.search(r"<details class=\"outcome__trace\"> <summary>How the rule got there", page)
    assert "rho" in page.split("<details", 1)[1]
    # Found from outside: "amounts in cents" beside "1,500.00" read as euros, "round 2" as a funding round.
    trace = page.split("<details", 1)[1]
    assert "amounts are in cents (1,500.00 cents is EUR 15.00)" in html.unescape(trace)
    assert 'a "round" is one step of the rule, not a funding round' in html.unescape(trace)
    plain = re.findall(r'<p class="outcome__plain">([^<]*)</p>', page)
    assert len(plain) == 2
    assert all("cents" not in s and "rho" not in s for s in plain)
    assert "Ballots cast by eligible residents:" in page
    assert "eligible: confirmed members of the group when voting opened" in page
    assert "2 of 3 eligible (67%)" in page
    assert f"/pools/{world.ref.pool_id}/ledger.csv" in page
    assert f"/api/v1/rounds/{rid}/export.pb" in page
    assert "Your ballot" not in page  # nobody is logged in


def test_results_with_one_voter_say_the_only_voters_share(world: RoundWorld) -> None:
    """One ballot: no "one for each of the 1 voters", no "each"."""
    world.build(members=2, pledges=(2000, 2000), costs=(3000, 2000))
    a, _ = world.issues
    rid = world.create(rule="equalshares/add1")["id"]
    world.open_voting(rid)
    assert world.vote(world.members[0], rid, issue_ids=[a]).status_code == 200
    assert world.tally(rid).status_code == 200

    page = text_of(world.client.get(f"/rounds/{rid}/results"))

    shares = re.search(r'<p data-testid="shares">(.*?)</p>', page)
    assert shares, page
    assert "The EUR 40.00 was one share, the only voter's:" in shares.group(1)
    assert "1 voters" not in shares.group(1)
    assert " each" not in shares.group(1)


def test_one_voters_larger_share_says_why_it_makes_no_more_money(world: RoundWorld) -> None:
    """Found from outside: one voter's share raised past the round's money ("kept the largest that still
    funds no more than the EUR 40.00: EUR 49.99") read as nonsense without the sentence saying why,
    which the page gave only to several voters."""
    world.build(members=2, pledges=(2000, 2000), costs=(3000, 2000))
    a, b = world.issues
    rid = world.create(rule="equalshares/add1")["id"]
    world.open_voting(rid)
    assert world.vote(world.members[0], rid, issue_ids=[a, b]).status_code == 200
    assert world.tally(rid).status_code == 200

    shares = re.search(
        r'<p data-testid="shares">(.*?)</p>', text_of(world.client.get(f"/rounds/{rid}/results"))
    )

    assert shares
    assert "tried again with a larger share" in shares.group(1)
    assert (
        "A larger share does not make more money: the voter pays only towards the problems funded, and "
        "together those cost at most the EUR 40.00" in shares.group(1)
    )
    assert "they are not what anyone pledged" in shares.group(1)


def test_results_json_says_each_outcome_in_the_pages_sentence_with_its_currency(world: RoundWorld) -> None:
    """The engine's words count cents without a currency ("each paid at most 1,500.00"): the JSON
    also carries the page's plain sentence, in euros."""
    rid, a, b = tallied_equal_shares_round(world)

    body = world.client.get(f"/api/v1/rounds/{rid}/results").get_json()
    page = text_of(world.client.get(f"/rounds/{rid}/results"))

    sentences = {c["issue_id"]: c["sentence"] for c in body["funded"] + body["unfunded"]}
    assert set(sentences) == {a, b}
    assert sentences[a].startswith("Funded: 2 supporters shared the EUR 30.00 cost; each paid EUR 15.00")
    assert sentences[b].startswith("Not funded: its one supporter had EUR ")
    plain = re.findall(r'<p class="outcome__plain">([^<]*)</p>', page)
    assert sorted(str(escape(s)) for s in sentences.values()) == sorted(p.strip() for p in plain)
    assert "EUR" not in body["funded"][0]["explanation"]  # the engine's own words stay as they were


def test_a_member_sees_what_their_share_helped_fund(world: RoundWorld, auth) -> None:
    rid, a, _ = tallied_equal_shares_round(world)
    auth.login(world.members[1].email)

    page = text_of(world.client.get(f"/rounds/{rid}/results"))

    assert re.search(
        rf'Your share helped fund <a href="/issues/{a}" dir="auto">[^<]+</a>: '
        r"EUR 15\.00 of its cost came from your share\.",
        page,
    )
    assert "In all EUR 15.00 of your EUR" in page
    assert "a way of counting, not money of yours, and not what you pledged." in page
    auth.logout()
    auth.login(world.admin.email)  # a member who did not vote
    assert "Your ballot" not in text_of(world.client.get(f"/rounds/{rid}/results"))


def test_the_rules_page_explains_each_rule(world: RoundWorld) -> None:
    page = text_of(world.client.get("/rounds/rules"))
    for anchor in ("equal-shares", "exact-equal-shares", "most-votes-first", "phragmen", "ties", "ballots"):
        assert f'id="{anchor}"' in page
    assert "Wieliczka" in page
    # Results say "its turn came" without saying why one of two level problems came first.
    assert "the one listed first on the ballot goes first" in page
    # Found from outside: the page said the ballot's order decides every tie, yet the proportional rules
    # fund the cheaper problem first (budgets: MesProblem.tie_key, phragmen).
    assert "the cheaper problem goes first; at the same cost, the one with more supporters" in page


def test_of_two_level_problems_the_one_listed_first_on_the_ballot_is_funded(world: RoundWorld) -> None:
    world.build(members=2, pledges=(2000, 1000), costs=(3000, 3000))
    first, second = world.issues
    rid = world.create(rule="greedy")["id"]
    world.open_voting(rid)
    assert world.vote(world.members[0], rid, issue_ids=[second]).status_code == 200
    assert world.vote(world.members[1], rid, issue_ids=[first]).status_code == 200
    assert world.tally(rid).status_code == 200
    listed = re.findall(r'href="/issues/(\d+)"', text_of(world.client.get(f"/rounds/{rid}")))
    funded = world.client.get(f"/api/v1/rounds/{rid}/results").get_json()
    assert [int(i) for i in dict.fromkeys(listed)][:1] == [first]
    assert [p["issue_id"] for p in funded["funded"]] == [first]


def test_ballot_cards_show_photo_description_area_and_the_pool_warning(world: RoundWorld, auth) -> None:
    world.build(members=1, pledges=(4000,), costs=(3000, 5000))
    cheap, dear = world.issues
    with world.app.app_context():
        db.session.execute(
            update(Issue)
            .where(Issue.id == cheap)
            .values(description="Water   pours\nonto the path.", place="Beech Walk 12")
        )
        db.session.add(
            Photo(
                issue_id=cheap, filename="a" * 32 + ".jpg", content_type="image/jpeg", width=800, height=600
            )
        )
        db.session.add(
            Photo(
                issue_id=dear,
                filename="b" * 32 + ".jpg",
                content_type="image/jpeg",
                width=8,
                height=6,
                is_hidden=True,
            )
        )
        db.session.commit()
    rid = world.create(ballot="approval")["id"]
    world.open_voting(rid)
    auth.login(world.members[0].email)

    page = text_of(world.client.get(f"/rounds/{rid}/ballot"))

    assert f'src="/issues/photos/{"a" * 32}.jpg' in page
    assert "b" * 32 not in page  # a hidden photo is never shown
    assert "Water pours onto the path." in page
    # Found from outside: two candidates titled alike could not be told apart: the place and number.
    assert f"EUR 30.00 · Beech Walk 12 · #{cheap}" in page  # the place, as the problem page shows it
    assert f"EUR 50.00 · Old Town · #{dear}" in page
    assert "Costs more than the whole pool (EUR 40.00): it can only be funded if the pool grows" in page
    assert "Not saved yet" in page
    assert 'id="ballot-meter"' not in page  # an approval ballot has no limit to fill


def test_knapsack_ballot_has_a_budget_meter_and_refuses_overspending_in_euros(
    world: RoundWorld, auth
) -> None:
    world.build(members=1, pledges=(4000,), costs=(3000, 2000))
    a, b = world.issues
    rid = world.create(ballot="knapsack")["id"]
    world.open_voting(rid)
    auth.login(world.members[0].email)

    page = text_of(world.client.get(f"/rounds/{rid}/ballot"))
    assert (
        '<meter id="ballot-meter" class="ballot__meter" data-testid="ballot-bar" min="0" max="4000" value="0"'
        in page
    )
    assert '<label for="ballot-meter" class="ballot__bar-label">Money chosen</label>' in page

    refused = world.client.post(f"/rounds/{rid}/ballot", data={"issue_ids": [str(a), str(b)]})
    assert refused.status_code == 422
    assert "These choices cost EUR 50.00, EUR 10.00 more than the EUR 40.00 pool." in text_of(refused)
    saved = world.client.post(f"/rounds/{rid}/ballot", data={"issue_ids": [str(a)]}, follow_redirects=True)
    assert "Saved " in text_of(saved)
    assert "You can change it until voting closes." in text_of(saved)


def test_k_approval_and_cumulative_ballots_show_their_meters(world: RoundWorld, auth) -> None:
    world.build(members=1, pledges=(4000,), costs=(3000, 2000))
    picks = world.create(ballot="k-approval", k=1)["id"]
    world.open_voting(picks)
    auth.login(world.members[0].email)
    assert 'max="1" value="0"' in text_of(world.client.get(f"/rounds/{picks}/ballot"))
    assert ">Picks used</label>" in text_of(world.client.get(f"/rounds/{picks}/ballot"))

    auth.logout()  # the API calls below carry tokens, not this browser's session
    world.free_pool()  # a pool runs one round at a time
    points = world.create(ballot="cumulative", points=7, name="Points round")["id"]
    world.open_voting(points)
    auth.login(world.members[0].email)
    assert ">Points given</label>" in text_of(world.client.get(f"/rounds/{points}/ballot"))
    refused = world.client.post(f"/rounds/{points}/ballot", data={f"points-{world.issues[0]}": "8"})
    assert "These choices give 8 points, 1 more than the 7 points you have." in text_of(refused)
    # A refusal names the problem by its title, not only its number.
    first = world.issues[0]
    with world.app.app_context():
        title = html.escape(db.session.get(Issue, first).title, quote=False)
    negative = text_of(world.client.post(f"/rounds/{points}/ballot", data={f"points-{first}": "-2"}))
    assert f"The points for “{title}” (#{first}) must not be negative: give 0 or more." in negative
    words = text_of(world.client.post(f"/rounds/{points}/ballot", data={f"points-{first}": "two"}))
    assert f"The points for “{title}” (#{first}) must be a whole number." in words


def test_pledge_field_has_a_label_and_an_example_not_a_placeholder(world: RoundWorld, auth) -> None:
    world.build(members=1)
    auth.login(world.members[0].email)

    page = text_of(world.client.get(f"/groups/{world.ref.group_id}"))

    assert '<label class="field__label" for="amount">Amount to pledge (EUR)</label>' in page
    assert 'aria-describedby="amount-example"' in page
    assert "For example 5.00 or 12.50: from EUR 1.00 to EUR 500.00." in page
    assert "placeholder" not in page.split('id="amount"', 1)[1].split(">", 1)[0]
    empty = text_of(world.client.post(f"/groups/{world.ref.group_id}/pledge", data={"amount": ""}))
    assert "Enter the amount to pledge, for example 5.00." in empty
    assert "Treasurer: Group Admin." in page


def test_pool_page_names_the_treasurer_how_to_pay_and_what_happens_to_unspent_money(
    world: RoundWorld,
) -> None:
    world.build(members=1, pledges=(4000,), costs=(3000,))
    pool = f"/pools/{world.ref.pool_id}"
    before = text_of(world.client.get(pool))
    assert "Group Admin, the admin of" in before
    assert "confirms each pledge when the money arrives" in before
    provider = get_provider(world.app.config["PAYMENT_PROVIDER"])
    assert str(escape(provider.instructions("EUR", 0))) in before
    assert (
        "Pledges from EUR 1.00 to EUR 500.00; a pending pledge is not money until it is confirmed" in before
    )
    assert "Each round says beforehand whether money it does not spend rolls over" in before

    rid = world.create(leftover="refund")["id"]
    assert "money the round does not spend is refunded" in text_of(world.client.get(pool))
    world.open_voting(rid)
    world.vote(world.members[0], rid, issue_ids=[world.issues[0]])
    world.create(name="Autumn round", leftover="rollover")  # the next one, drafted meanwhile
    # The round using the pool says what happens to unspent money, not the newest draft.
    assert "“Spring round”, money the round does not spend is refunded" in text_of(world.client.get(pool))
    assert world.tally(rid).status_code == 200
    # A provisional result has moved no money yet: the page speaks of it as still to come.
    assert "“Spring round”, money the round does not spend is refunded" in text_of(world.client.get(pool))
    assert world.certify(rid).status_code == 200
    # Certified, it lets the pool go: the next round is the one to say.
    assert "“Autumn round”, money the round does not spend rolls over" in text_of(world.client.get(pool))


def test_a_draft_says_which_round_holds_the_pool_instead_of_offering_to_open(world: RoundWorld, auth) -> None:
    world.build(members=1, pledges=(4000,), costs=(3000,))
    spring = world.create()["id"]
    world.open_voting(spring)
    autumn = world.create(name="Autumn round")["id"]
    auth.login(world.admin.email)

    page = text_of(world.client.get(f"/rounds/{autumn}"))
    held = page.split('data-testid="pool-held">', 1)[1].split("</p>", 1)[0]
    assert f'<a href="/rounds/{spring}">“Spring round”</a> is in voting' in held
    assert "can open once that one's result is certified or it is cancelled" in held
    assert 'name="phase" value="pledging"' not in page
    # A stale page's button is refused with the same reason, and the round stays a draft.
    moved = text_of(
        world.client.post(f"/rounds/{autumn}/phase", data={"phase": "pledging"}, follow_redirects=True)
    )
    assert "The group&#39;s pool runs one round at a time: “Spring round” is in voting." in moved
    assert world.client.get(f"/api/v1/rounds/{autumn}").get_json()["phase"] == "draft"
    assert 'data-testid="pool-held"' not in text_of(world.client.get(f"/rounds/{spring}"))


def test_the_pool_page_writes_unspent_money_in_euros_and_names_the_pool_in_good_english(
    world: RoundWorld,
) -> None:
    rid, _, _ = tallied_equal_shares_round(world)
    assert world.certify(rid).status_code == 200
    pool_id = world.ref.pool_id

    page = text_of(world.client.get(f"/pools/{pool_id}"))
    csv_text = world.client.get(f"/pools/{pool_id}/ledger.csv").get_data(as_text=True)

    # EUR 40.00 pledged, EUR 30.00 funded: EUR 10.00 stays for the next round.
    assert "Not spent (round “Spring round”): EUR 10.00 kept for the next round" in page
    assert "Not spent (round “Spring round”): EUR 10.00 kept for the next round" in csv_text
    assert "'s pool" not in page  # not "Money in and out of Riverside neighbours's pool"
    assert "Money in and out of the pool of " in page
    assert "Where the money of the pool of " in page
    # Both money charts write amounts as the tables beside them do: "EUR 40.00", not "40.00 EUR".
    amounts = re.findall(r'<text class="chart__value"[^>]*>([^<]*)</text>', page)
    assert len(amounts) >= 10
    assert all(re.fullmatch(r"EUR \d[\d,]*\.\d\d", amount) for amount in amounts), amounts
    assert "EUR 40.00" in amounts


def test_a_round_page_names_each_rule_as_a_sentence_reads_it(world: RoundWorld) -> None:
    # Found from outside: "decided by the Most votes first".
    world.build(members=2, pledges=(1000,), costs=(500,))
    greedy = world.create(rule="greedy")["id"]
    page = text_of(world.client.get(f"/rounds/{greedy}"))
    assert 'decided by <a href="/rounds/rules#most-votes-first">most votes first</a>' in page
    shares = world.create(name="Autumn round")["id"]
    page = text_of(world.client.get(f"/rounds/{shares}"))
    assert 'decided by <a href="/rounds/rules#equal-shares">the Method of Equal Shares</a>' in page


def test_turnout_reads_as_ballots_and_says_nothing_of_ballots_before_voting(world: RoundWorld) -> None:
    # Found from outside: "0 of 6 eligible (0%)" before voting opened, and under "Who may vote" a bare
    # "6 of 6 eligible (100%)" read as "6 people may vote".
    world.build(members=3, pledges=(1000,), costs=(500,))
    rid = world.create()["id"]
    before = text_of(world.client.get(f"/groups/{world.ref.group_id}"))
    assert re.search(r"Turnout: <strong>\d+ eligible so far</strong>", before)
    assert not re.search(r"0 of \d+ eligible", before)
    round_before = text_of(world.client.get(f"/rounds/{rid}"))
    assert "<dt>Eligible so far</dt>" in round_before
    assert not re.search(r"Ballots: |0 of \d+ eligible", round_before)
    world.open_voting(rid)
    assert world.vote(world.members[0], rid, issue_ids=[world.issues[0]]).status_code == 200
    page = text_of(world.client.get(f"/rounds/{rid}"))
    assert re.search(r'data-testid="turnout">Ballots: <strong>1 of \d+ eligible</strong> \(\d+%\)', page)
    # The candidates' likes were counted when voting opened; the problem pages count them now.
    assert re.search(r"· \d+ likes? when voting opened</span>", page)
