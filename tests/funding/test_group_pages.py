"""Group and pool pages: join, pledge with a decimal amount, treasurer confirmation, transparency, CSV."""

# ruff: noqa: F811  (the `funding` fixture is imported, then requested by name)

from __future__ import annotations

import re

import pytest

from app.extensions import db
from app.services.funding import matching
from app.services.kernel.errors import ValidationError
from app.services.kernel.parsing import parse_amount
from tests.funding_fixtures import funding  # noqa: F401  (fixture)


@pytest.mark.parametrize(
    ("text", "cents"), [("5", 500), ("5.00", 500), ("5.5", 550), ("0.01", 1), ("1,25", 125)]
)
def test_amounts_parse_exactly(text: str, cents: int) -> None:
    assert parse_amount(text) == cents


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "required"),
        ("abc", "use digits and a decimal point"),
        ("5.001", "two decimals"),
        ("0", "more than zero"),
        ("-5", "more than zero"),
        ("1e3", "use digits and a decimal point"),
        ("NaN", "use digits and a decimal point"),
        ("Infinity", "use digits and a decimal point"),
    ],
)
def test_bad_amount_texts_are_refused(text: str, reason: str) -> None:
    with pytest.raises(ValidationError, match=reason) as caught:
        parse_amount(text)
    assert caught.value.field == "amount"


def test_a_resident_joins_pledges_and_the_treasurer_confirms(client, auth, funding, make_user) -> None:
    ref = funding.group(name="Old Town neighbours")
    treasurer = funding.member(ref, admin=True)
    resident = make_user(display_name="Rosa Resident")
    page = client.get(f"/groups/{ref.group_id}").get_data(as_text=True)
    assert "Old Town neighbours" in page
    assert "Log in to join" in page

    auth.login(resident.email)
    page = client.get(f"/groups/{ref.group_id}").get_data(as_text=True)
    assert "Join Old Town neighbours" in page
    joined = client.post(f"/groups/{ref.group_id}/join", follow_redirects=True).get_data(as_text=True)
    assert "Welcome to Old Town neighbours" in joined
    assert "Pledge to the pool" in joined

    bad = client.post(f"/groups/{ref.group_id}/pledge", data={"amount": "5.001", "idempotency_key": "k1"})
    assert bad.status_code == 422
    assert "at most two decimals" in bad.get_data(as_text=True)
    assert funding.counts() == (0, 0, 0)

    done = client.post(
        f"/groups/{ref.group_id}/pledge",
        data={"amount": "5.00", "idempotency_key": "k2"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Your pledge of EUR 5.00 is waiting for the treasurer" in done
    # A double tap resubmits the same form key: still one pledge.
    client.post(f"/groups/{ref.group_id}/pledge", data={"amount": "5.00", "idempotency_key": "k2"})
    assert funding.counts()[0] == 1

    assert client.get(f"/pools/{ref.pool_id}/treasurer").status_code == 403  # a plain member
    auth.logout()
    auth.login(treasurer.email)
    pending = client.get(f"/pools/{ref.pool_id}/treasurer").get_data(as_text=True)
    assert "EUR 5.00" in pending
    assert "Rosa Resident" in pending  # the treasurer sees who must pay
    pledge_id = int(pending.split("/pledges/")[1].split("/confirm")[0])
    # Found from outside: a transfer had nothing to quote. The pledger is told the name the treasurer's
    # list gives the pledge, and the list gives it.
    assert f"With a transfer, quote \u201cpledge {pledge_id}\u201d" in done
    assert f"Quote \u201cpledge {pledge_id}\u201d with a transfer, as the treasurer" in done
    assert f"pledge {pledge_id} ·" in pending
    confirmed = client.post(f"/pledges/{pledge_id}/confirm", follow_redirects=True).get_data(as_text=True)
    assert f"Pledge {pledge_id} of EUR 5.00 confirmed." in confirmed
    assert "No pledges are waiting for confirmation." in confirmed
    assert funding.balance(ref).balance_cents == 500


def test_transparency_page_hides_names_unless_chosen(app, client, funding) -> None:
    from app.extensions import db
    from app.services.funding import ledger, matching

    ref = funding.group()
    shy = funding.member(ref, display_name="Shy Sam")
    proud = funding.member(ref, display_name="Proud Pat")
    funding.pledge(ref, shy, 1234)
    funding.pledge(ref, proud, 766, show_name=True)
    funding.pledge(ref, proud, 999, confirm=False, show_name=True)
    with app.app_context():
        matching.apply_match(db.session, ref.pool_id, None, 1, 2, 500)
        ledger.post_allocation(db.session, ref.pool_id, 1, [(1, 2000)])
        ledger.post_refunds(db.session, ref.pool_id, 1, 100)
        db.session.commit()
    page = client.get(f"/pools/{ref.pool_id}").get_data(as_text=True)
    assert "Shy Sam" not in page
    assert "a resident" in page
    assert "Proud Pat" in page
    for text in ("EUR 12.34", "EUR 7.66", "EUR 5.00", "EUR 20.00", "EUR 1.00", "EUR 4.00", "EUR 9.99"):
        assert text in page, text
    assert "City match 1:2 (up to EUR 5.00)" in page  # residents read money, not cents
    assert "cents" not in page.split('<table class="ledger ledger--stack">', 1)[1]
    assert "Refunded pro rata" in page
    assert '<th scope="row">Held in the pool</th>' in page  # found from outside: "Held in pools"
    assert "<svg" in page
    assert f'href="/pools/{ref.pool_id}/ledger.csv"' in page

    csv_text = client.get(f"/pools/{ref.pool_id}/ledger.csv").get_data(as_text=True)
    assert "Shy Sam" not in csv_text
    rows = csv_text.strip().splitlines()
    assert rows[0].startswith("posting_id,date_utc,kind")
    # Times as every other download writes them (found from outside: this one alone had no "Z").
    assert all(re.match(r"\d+,\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ,", row) for row in rows[1:]), rows
    # The running balance after the last row, then the posting's place in the hash chain and its hash.
    assert re.search(r",400,EUR,5,[0-9a-f]{64}$", rows[-1]), rows[-1]


def test_officials_create_groups_residents_cannot(client, auth, funding, make_user, city, count_rows) -> None:
    from app.models import Group, Pool

    auth.login(make_user().email)
    assert client.get("/groups/new").status_code == 403
    auth.logout()
    anonymous = client.get("/groups/new")
    assert anonymous.status_code == 302  # sent to log in, as on every staff page
    assert "/account/login?next=/groups/new" in anonymous.headers["Location"]
    auth.login(make_user(role="official").email)
    bad = client.post("/groups/new", data={"area_id": city["Hillside"], "name": "", "max_pledge": "50.00"})
    assert bad.status_code == 422
    assert "Name is required." in bad.get_data(as_text=True)
    assert count_rows(Group) == 0
    made = client.post(
        "/groups/new",
        data={"area_id": city["Hillside"], "name": "Hill folk", "currency": "EUR", "max_pledge": "50.00"},
        follow_redirects=True,
    )
    assert "Group Hill folk created with an open pool." in made.get_data(as_text=True)
    assert count_rows(Pool, Pool.max_pledge_cents == 5000) == 1


def test_the_match_form_is_for_officials(app, client, auth, funding) -> None:
    ref = funding.group()
    admin = funding.member(ref, admin=True)
    funding.pledge(ref, funding.member(ref), 3000)
    auth.login(admin.email)
    assert (
        client.post(
            f"/pools/{ref.pool_id}/match", data={"ratio_num": 1, "ratio_den": 1, "cap": "10"}
        ).status_code
        == 403
    )
    auth.logout()
    auth.login(funding.member(ref, role="official").email)
    page = client.get(f"/pools/{ref.pool_id}/treasurer").get_data(as_text=True)
    assert "Confirmed pledges not matched before: <strong>EUR 30.00</strong>." in page
    assert 'data-unmatched-cents="3000"' in page  # the form's preview sums from it (match-preview.js)
    done = client.post(
        f"/pools/{ref.pool_id}/match",
        data={"ratio_num": 1, "ratio_den": 1, "cap": "10.00"},
        follow_redirects=True,
    ).get_data(as_text=True)
    # Found from outside: a cap below the ratio's sum covered every pledge without saying so.
    assert (
        "The city matched EUR 10.00 for EUR 30.00 of pledges not matched before. The cap held it below "
        "1:1, which would have been EUR 30.00: these pledges count as matched now."
    ) in done
    assert "Confirmed pledges not matched before: <strong>EUR 0.00</strong>." in done
    again = client.post(
        f"/pools/{ref.pool_id}/match", data={"ratio_num": 1, "ratio_den": 1, "cap": "10.00"}
    ).get_data(as_text=True)
    # Each pledged cent is matched once: a second match finds nothing new, says so and adds no row.
    assert "Every confirmed pledge of this pool is matched already" in again
    assert "pool_id" not in again
    assert funding.balance(ref).matched_cents == 1000
    with app.app_context():
        assert [m.matched_cents for m in matching.matches(db.session, ref.pool_id)] == [1000]
    # A ratio that rounds the pledges not matched before down to nothing is refused on the ratio (the
    # form's ratios cannot, as the smallest pledge is EUR 1.00; the service takes any ratio).
    funding.pledge(ref, funding.member(ref), 100)
    with app.app_context(), pytest.raises(ValidationError) as tiny:
        matching.apply_match(db.session, ref.pool_id, None, 1, 101, 1000)
    assert tiny.value.field == "ratio_num"
    assert "The ratio 1:101 of the EUR 1.00 not matched before rounds down to nothing" in tiny.value.message
    assert funding.balance(ref).matched_cents == 1000


def test_the_match_forms_errors_stand_beside_their_fields(client, auth, funding) -> None:
    """A refused match comes back on the treasurers' page (422) with the form open, each error beside
    its field and what the official typed; nothing is added. Found from outside: a flash at the top of
    the page, the form folded and its fields empty."""
    ref = funding.group()
    funding.pledge(ref, funding.member(ref), 3000)
    auth.login(funding.member(ref, role="official").email)

    refused = client.post(f"/pools/{ref.pool_id}/match", data={"ratio_num": 1, "ratio_den": 0, "cap": ""})
    page = refused.get_data(as_text=True)

    assert refused.status_code == 422
    assert '<details class="confirm" data-testid="match" open>' in page
    assert '<p class="field__error" id="ratio_den-error">Number must be between 1 and 100.</p>' in page
    assert '<p class="field__error" id="cap-error">A cap is required, for example 1000.00.</p>' in page
    assert re.search(r'<input[^>]*id="ratio_num"[^>]*value="1"', page)
    assert "ratio_den:" not in page
    assert funding.balance(ref).matched_cents == 0

    # A cap the service refuses (not an amount) is shown on the cap, with the ratio as typed.
    bad_cap = client.post(f"/pools/{ref.pool_id}/match", data={"ratio_num": 3, "ratio_den": 2, "cap": "ten"})
    page = bad_cap.get_data(as_text=True)
    assert bad_cap.status_code == 422
    assert 'id="cap-error"' in page
    assert re.search(r'<input[^>]*id="cap"[^>]*value="ten"', page)
    assert re.search(r'<input[^>]*id="ratio_num"[^>]*value="3"', page)
    assert funding.balance(ref).matched_cents == 0

    # A match of nothing new is the form's own error, above its fields, with the conflict's status.
    assert (
        client.post(
            f"/pools/{ref.pool_id}/match", data={"ratio_num": 1, "ratio_den": 1, "cap": "30.00"}
        ).status_code
        == 302
    )
    again = client.post(f"/pools/{ref.pool_id}/match", data={"ratio_num": 1, "ratio_den": 1, "cap": "30.00"})
    assert again.status_code == 409
    assert "Every confirmed pledge of this pool is matched already" in again.get_data(as_text=True)
    assert funding.balance(ref).matched_cents == 3000


def test_a_blocked_official_adds_no_match(app, client, auth, funding, make_user) -> None:
    """The city's match is one of the city's acts: a blocked official's login still reads, never matches."""
    ref = funding.group()
    funding.pledge(ref, funding.member(ref), 3000)
    auth.login_as(make_user(role="official", is_blocked=True))

    terms = {"ratio_num": 1, "ratio_den": 1, "cap": "10.00"}
    refused = client.post(f"/pools/{ref.pool_id}/match", data=terms)

    assert refused.status_code == 403
    assert funding.balance(ref).matched_cents == 0
    with app.app_context():
        assert matching.matches(db.session, ref.pool_id) == []


def test_a_blocked_official_creates_no_group(client, auth, make_user, city, count_rows) -> None:
    from app.models import Group

    auth.login_as(make_user(role="official", is_blocked=True))
    refused = client.post(
        "/groups/new",
        data={"area_id": city["Hillside"], "name": "Hill folk", "currency": "EUR", "max_pledge": "50.00"},
    )

    assert refused.status_code == 403
    assert "This account is blocked." in refused.get_data(as_text=True)
    assert count_rows(Group) == 0


def test_the_largest_pledge_is_refused_in_money_beside_its_field(
    client, auth, make_user, city, count_rows
) -> None:
    """Found from outside: "0.50" as the largest pledge was refused as "at least 100 cents", at the top
    of the page rather than at the field, and "abc" under the name "Amount"."""
    from app.models import Group

    auth.login(make_user(role="official").email)
    for typed, words in (
        ("0.50", "The largest pledge must be at least EUR 1.00."),
        ("abc", "Largest pledge: "),
    ):
        form = {"area_id": city["Hillside"], "name": "Hill folk", "currency": "EUR", "max_pledge": typed}
        page = client.post("/groups/new", data=form)
        html = page.get_data(as_text=True)
        assert page.status_code == 422
        assert "cents" not in html
        field_error = re.search(r'id="max_pledge-error"[^>]*>([^<]*)<', html)
        assert field_error is not None, html
        assert words in field_error.group(1)
    assert count_rows(Group) == 0


def test_the_pool_page_figures_add_up_to_what_it_holds(app, client, funding) -> None:
    """Found from outside: "Carried over" stood among the money gone out (allocated, refunded), so
    pledges + match + returned - allocated - refunded - carried over did not give "In the pool now".
    Carried-over money is held: the page lists it under what the pool holds and says how it adds up."""
    from app.services.funding import ledger

    ref = funding.group()
    funding.pledge(ref, funding.member(ref), 1000)
    with app.app_context():
        ledger.post_allocation(db.session, ref.pool_id, 1, [(1, 400)])
        ledger.post_rollover(db.session, ref.pool_id, 1, 600)
        db.session.commit()
    page = re.sub(
        r"\s+", " ", re.sub(r"<[^>]+>", " ", client.get(f"/pools/{ref.pool_id}").get_data(as_text=True))
    )
    held = page.index("In the pool now EUR 6.00")
    assert page.index("of which carried over EUR 6.00") > held
    assert "less what rounds allocated to problems and refunded" in page


def test_a_pledge_past_the_largest_says_the_pools_largest_in_money(client, auth, funding, count_rows) -> None:
    """Found from outside: 20 nines were refused as "at most 999,999,999.99." (the form's own bound, no
    currency) under a hint saying "from EUR 1.00 to EUR 500.00"."""
    from app.models import Pledge

    ref = funding.group()
    member = funding.member(ref)
    auth.login(member.email)
    for typed in ("9" * 20, "500.01"):
        page = client.post(f"/groups/{ref.group_id}/pledge", data={"amount": typed})
        html = page.get_data(as_text=True)
        assert page.status_code == 422
        field_error = re.search(r'id="amount-error"[^>]*>([^<]*)<', html)
        assert field_error is not None, html
        assert field_error.group(1) == "Amount must be at most EUR 500.00."
    assert count_rows(Pledge) == 0


def test_a_treasurers_own_pledge_is_not_sent_to_the_treasurer(client, auth, funding, make_user) -> None:
    """Found from outside: the sole treasurer's own pledge said "Hand the money to your group's
    treasurer", under a form saying a city official confirms it."""
    ref = funding.group(name="Old Town neighbours")
    treasurer = funding.member(ref, admin=True)
    auth.login(treasurer.email)
    done = client.post(
        f"/groups/{ref.group_id}/pledge",
        data={"amount": "20.00", "idempotency_key": "t1"},
        follow_redirects=True,
    ).get_data(as_text=True)
    words = " ".join(done.split())
    assert (
        "Your pledge of EUR 20.00 is waiting: a city official confirms it when its money is in the pool."
        in words
    )
    assert "is waiting for the treasurer" not in words
    assert "to your group's treasurer" not in words
