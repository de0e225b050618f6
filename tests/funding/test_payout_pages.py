"""The payout form and the money on the problem page (issue 18, item 4): officials record and return,
everyone reads allocated, paid and remaining with each payout; residents are refused."""

# ruff: noqa: F811  (fixtures are imported, then requested by name)

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import Payout
from app.models.timestamps import utcnow
from tests.funding.round_world import RoundWorld, world  # noqa: F401
from tests.funding.test_payouts import funded_issue, stored
from tests.funding_fixtures import funding  # noqa: F401


def form(**changes: str) -> dict[str, str]:
    data = {
        "payee_kind": "department",
        "payee_name": "Roads Department",
        "amount": "12.50",
        "invoice_ref": "RD-77",
        "paid_on": utcnow().date().isoformat(),
    }
    data.update(changes)
    return data


def test_an_official_records_a_payout_on_the_problem_page(world: RoundWorld) -> None:
    issue_id = funded_issue(world)
    assert world.official is not None
    world.auth.login_as(world.official)
    page = world.client.get(f"/issues/{issue_id}").get_data(as_text=True)
    assert 'data-testid="payout-form"' in page
    assert "At most EUR 30.00" in page

    done = world.client.post(
        f"/staff/issues/{issue_id}/payouts", data=form(confirm="yes"), follow_redirects=True
    )
    text = done.get_data(as_text=True)
    assert "Payout of EUR 12.50 to Roads Department recorded." in text
    assert 'data-testid="money-paid">EUR 12.50<' in text
    assert 'data-testid="money-remaining">EUR 17.50<' in text
    assert "RD-77" in text
    assert "city department" in text
    today = utcnow().date()
    assert f'paid <time datetime="{today.isoformat()}">{today.day} {today:%B %Y}</time>' in text

    staff_page = world.client.get(f"/staff/issues/{issue_id}").get_data(as_text=True)
    assert "RD-77" in staff_page
    assert 'data-testid="payout-form"' in staff_page

    unconfirmed = world.client.post(
        f"/staff/issues/{issue_id}/remainder-return", data={}, follow_redirects=True
    ).get_data(as_text=True)
    assert "Nothing was returned: confirm" in unconfirmed
    returned = world.client.post(
        f"/staff/issues/{issue_id}/remainder-return", data={"confirm": "yes"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "EUR 17.50 returned to where the money came from." in returned
    assert 'data-testid="money-returned">EUR 17.50<' in returned
    assert 'data-testid="payout-form"' not in returned  # nothing left to pay

    world.auth.logout()
    public = world.client.get(f"/issues/{issue_id}").get_data(as_text=True)
    assert "Money for the fix" in public
    assert "Roads Department" in public
    assert 'data-testid="payout-form"' not in public


def test_a_payout_is_checked_and_shown_before_it_is_recorded(world: RoundWorld) -> None:
    """Found from outside: one click put a payout on the append-only ledger, where a mistyped amount
    could never be taken back. The form now shows what would be recorded first."""
    issue_id = funded_issue(world)
    assert world.official is not None
    world.auth.login_as(world.official)
    page = world.client.get(f"/issues/{issue_id}").get_data(as_text=True)
    key = re.search(r'name="request_key" type="hidden" value="([^"]+)"', page)
    assert key is not None
    before = stored(world)
    sent = form(request_key=key.group(1), payee_name="Roads <b>Department</b>")

    review = world.client.post(f"/staff/issues/{issue_id}/payouts", data=sent)
    assert review.status_code == 200
    text = review.get_data(as_text=True)
    shown = text.split('data-testid="payout-review"')[1].split("</dl>")[0]
    assert "EUR 12.50" in shown
    assert "Roads &lt;b&gt;Department&lt;/b&gt; (city department)" in shown
    assert "RD-77" in shown
    assert 'data-testid="review-remaining">EUR 17.50<' in shown
    assert "cannot be changed or deleted" in text
    # The same fields and the same key go on with the answer.
    for name, value in sent.items():
        if name != "request_key":
            escaped = value.replace("<", "&lt;").replace(">", "&gt;")
            assert f'<input type="hidden" name="{name}" value="{escaped}">' in text, name
    assert f'name="request_key" type="hidden" value="{key.group(1)}"' in text
    assert stored(world) == before

    # "Change it": the form again, filled in as typed; still nothing recorded.
    again = world.client.post(f"/staff/issues/{issue_id}/payouts", data={**sent, "change": "1"})
    assert again.status_code == 200
    form_html = again.get_data(as_text=True).split('data-testid="payout-form"')[1].split("</form>")[0]
    assert 'value="RD-77"' in form_html
    assert 'value="12.50"' in form_html
    assert re.search(r'<input autofocus[^>]*name="payee_name"', form_html)  # the focus lands on the form
    assert stored(world) == before

    done = world.client.post(
        f"/staff/issues/{issue_id}/payouts", data={**sent, "confirm": "yes"}, follow_redirects=True
    )
    assert "Payout of EUR 12.50 to Roads &lt;b&gt;Department&lt;/b&gt; recorded." in done.get_data(
        as_text=True
    )
    with world.app.app_context():
        assert db.session.scalars(select(Payout.amount_cents)).all() == [1250]


def test_bad_payout_forms_say_which_field_and_store_nothing(world: RoundWorld) -> None:
    issue_id = funded_issue(world)
    assert world.official is not None
    world.auth.login_as(world.official)
    before = stored(world)
    # The form's labels and amounts as typed, never the API's field names or a count of cents.
    cases = {
        "Amount paid": (
            form(amount="30.01"),
            "The amount, EUR 30.01, is more than the EUR 30.00 that remains",
        ),
        "Name of the contractor or department": (form(payee_name=""), ""),
        "Invoice reference": (form(invoice_ref="  "), ""),
        "Date paid": (form(paid_on="2999-01-01"), "The date paid is in the future"),
        # Found from outside: a payee kind the form does not offer was answered "The form expired".
        "Paid to a": (form(payee_kind="nope"), "choose one of the list"),
    }
    steps = [(label, data, words) for label, (data, words) in cases.items()]
    # Refused at the review step, and again if the answer is forged past it.
    steps += [(label, {**data, "confirm": "yes"}, words) for label, data, words in steps]
    for label, data, words in steps:
        page = world.client.post(f"/staff/issues/{issue_id}/payouts", data=data, follow_redirects=True)
        assert page.status_code == 422
        text = page.get_data(as_text=True)
        assert f"The payout was not recorded ({label}): {words}" in text, label
        # Found from outside: a refused payout emptied the form. What was typed stays, the reason
        # stands under its field, and that field takes the focus (the page opens there).
        form_html = text.split('data-testid="payout-form"')[1].split("</form>")[0]
        for typed in (data["payee_name"], data["invoice_ref"], data["paid_on"]):
            if typed.strip():
                assert f'value="{typed}"' in form_html, (label, typed)
        assert re.search(r'<p class="field__error" id="[a-z_]+-error">', form_html), label
        assert "autofocus" in form_html, label
        # What a person reads: the map's script names its elements with random hex ids, which may
        # contain "3001" by chance (a CI run found one).
        shown = re.sub(r"<script\b.*?</script>", "", text, flags=re.S)
        for api_words in (r"amount_cents", r"paid_on is", r"\b3001\b"):
            assert not re.search(api_words, shown), (label, api_words)
    fractional = world.client.post(
        f"/staff/issues/{issue_id}/payouts", data=form(amount="1.005"), follow_redirects=True
    )
    assert "The payout was not recorded (Amount paid):" in fractional.get_data(as_text=True)
    assert stored(world) == before


def test_a_resident_cannot_post_the_payout_form(world: RoundWorld) -> None:
    issue_id = funded_issue(world)
    world.auth.login_as(world.members[0])
    assert 'data-testid="payout-form"' not in world.client.get(f"/issues/{issue_id}").get_data(as_text=True)
    assert world.client.post(f"/staff/issues/{issue_id}/payouts", data=form()).status_code == 403
    assert world.client.post(f"/staff/issues/{issue_id}/payouts", data=form(confirm="yes")).status_code == 403
    assert (
        world.client.post(f"/staff/issues/{issue_id}/remainder-return", data={"confirm": "yes"}).status_code
        == 403
    )
    with world.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Payout)) == 0


def test_a_problem_a_round_funded_shows_the_pools_money_raised_towards_its_cost(world: RoundWorld) -> None:
    issue_id = funded_issue(world)
    page = world.client.get(f"/issues/{issue_id}").get_data(as_text=True)
    assert 'id="backing-h" class="backing__title">Funded<' in page
    # The bar is full and its words say where the money came from, not "EUR 0.00 of EUR 30.00".
    assert 'max="3000" value="3000"' in page
    assert "EUR 30.00 of EUR 30.00</progress>" in page
    assert "From the neighbourhood pool <strong>EUR 30.00</strong>" in page
    # Found from outside: "Backed by residents EUR 0.00 · Backers 0" beside it, when nobody backed it.
    words = page.split('data-testid="backing-words">')[1].split("</p>")[0]
    assert (
        " ".join(re.sub(r"<[^>]+>", "", words).split())
        == "From the neighbourhood pool EUR 30.00 · cost EUR 30.00"
    )
    assert 'data-testid="backers"' not in page


def test_the_treasurer_pages_figures_add_up_after_a_round_allocated(world: RoundWorld) -> None:
    """3,000 pledged, 3,000 allocated, nothing left: the page shows what went out, not only what came in."""
    funded_issue(world)
    assert world.official is not None
    assert world.ref is not None
    world.auth.login_as(world.official)

    page = world.client.get(f"/pools/{world.ref.pool_id}/treasurer").get_data(as_text=True)

    assert "Confirmed pledges</dt><dd>EUR 30.00<" in page
    assert 'data-testid="treasurer-allocated">EUR 30.00<' in page
    assert 'data-testid="treasurer-balance">EUR 0.00<' in page


def test_a_payout_is_not_dated_before_the_problem_held_its_money(world: RoundWorld) -> None:
    """Found from outside: a payout dated the day before the round that funded the problem was
    certified was accepted, and the pages said it was paid before the money was there."""
    issue_id = funded_issue(world)  # certified today
    assert world.official is not None
    world.auth.login_as(world.official)
    before = stored(world)
    yesterday = (utcnow() - timedelta(days=1)).date()
    page = world.client.post(
        f"/staff/issues/{issue_id}/payouts", data=form(paid_on=yesterday.isoformat()), follow_redirects=True
    ).get_data(as_text=True)
    assert f"The date paid, {yesterday.day} {yesterday:%B %Y}, is before problem #{issue_id} held" in page
    assert stored(world) == before


def test_today_is_the_citys_today_east_of_utc(world: RoundWorld) -> None:
    """A city at UTC+14 pays on its own today, which may be tomorrow in UTC (refused as future before)."""
    issue_id = funded_issue(world)
    world.app.config["CITY_TIMEZONE"] = "Pacific/Kiritimati"
    city_today = (utcnow() + timedelta(hours=14)).date()
    assert world.official is not None
    world.auth.login_as(world.official)
    done = world.client.post(
        f"/staff/issues/{issue_id}/payouts",
        data=form(paid_on=city_today.isoformat(), confirm="yes"),
        follow_redirects=True,
    )
    assert "Payout of EUR 12.50 to Roads Department recorded." in done.get_data(as_text=True)


def test_the_review_warns_when_the_invoice_was_paid_before(world: RoundWorld) -> None:
    """Paying one invoice twice is the treasurer's classic mistake: the review step names the earlier
    payouts of the same payee's invoice (whatever the case), and still lets a part payment through."""
    issue_id = funded_issue(world)
    assert world.official is not None
    world.auth.login_as(world.official)
    first = world.client.post(f"/staff/issues/{issue_id}/payouts", data=form(confirm="yes"))
    assert first.status_code == 302

    review = world.client.post(
        f"/staff/issues/{issue_id}/payouts", data=form(payee_name="roads department", invoice_ref="rd-77")
    ).get_data(as_text=True)

    warning = review.split('data-testid="invoice-paid-before"')[1].split("</div>")[0]
    assert "This invoice was paid before." in warning
    assert f"EUR 12.50 on {utcnow().day} " in warning
    assert f'href="/issues/{issue_id}#money">problem #{issue_id}</a>' in warning
    other = world.client.post(f"/staff/issues/{issue_id}/payouts", data=form(invoice_ref="RD-78")).get_data(
        as_text=True
    )
    assert 'data-testid="invoice-paid-before"' not in other
    again = world.client.post(
        f"/staff/issues/{issue_id}/payouts",
        data=form(invoice_ref="rd-77", confirm="yes"),
        follow_redirects=True,
    )
    assert "Payout of EUR 12.50 to Roads Department recorded." in again.get_data(as_text=True)


def test_a_problem_whose_money_all_went_back_no_longer_reads_funded(world: RoundWorld) -> None:
    """Found from outside: after every cent was returned unspent, with nothing paid, the problem still
    read "Funded" with a full bar above "Returned unspent" and "Remaining EUR 0.00"."""
    issue_id = funded_issue(world)
    assert world.official is not None
    world.auth.login_as(world.official)
    before = re.sub(r"\s+", " ", world.client.get(f"/issues/{issue_id}").get_data(as_text=True))
    assert 'class="backing__title">Funded</h2>' in before

    world.client.post(f"/staff/issues/{issue_id}/remainder-return", data={"confirm": "yes"})

    world.auth.logout()
    page = re.sub(r"\s+", " ", world.client.get(f"/issues/{issue_id}").get_data(as_text=True))
    assert 'class="backing__title">Funding returned</h2>' in page
    assert 'returned unspent <strong data-testid="backing-returned">EUR 30.00</strong>' in page
    assert re.search(r'<progress id="backing-progress"[^>]* value="0"', page)
