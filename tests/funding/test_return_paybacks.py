"""A fix's unspent money, returned: every backer and follower is told how much and where it went, each
backer their own part; what backers paid at the city's cashier is on the cashier's list until marked
paid back (once, audited), and on each backer's account page. Found from outside: the ledger gave
backers their parts, and nobody was told, nor was the cashier."""

# ruff: noqa: F811  (the `backers` fixture is imported, then requested by name)

from __future__ import annotations

import re

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry, User
from app.services.funding import return_paybacks
from tests.backing_fixtures import Backers, backers  # noqa: F401  (fixture)
from tests.funding.test_backing_settlement import official, pool_of_old_town
from tests.funding.test_pending_backings import back, shipped


def _funded_and_fixed_for_less(
    backers: Backers, app, city, client, auth
) -> tuple[int, dict[str, User], User]:
    """A EUR 30.00 problem backed by Ida (an instant payment, EUR 10.00), then Ann (EUR 12.00) and
    Ben (EUR 8.00) at the cashier; the fix paid EUR 20.00."""
    pool_of_old_town(app, city)
    issue_id = backers.problem(cost_cents=3_000, title="Loose kerb")
    backers.period(backer_cap_cents=3_000)
    people = {name: backers.resident(display_name=name) for name in ("Ida", "Ann", "Ben", "Fay")}
    backers.back(people["Ida"], issue_id, 1_000)
    shipped(app)
    staff = official(app)
    for name, cents in (("Ann", 1_200), ("Ben", 800)):
        made = back(client, issue_id, cents, auth.headers(people[name]), name).get_json()
        confirmed = client.post(f"/api/v1/backings/{made['id']}/confirmation", headers=auth.headers(staff))
        assert confirmed.status_code == 200, confirmed.get_json()
    assert set(backers.statuses(issue_id).values()) == {"committed"}
    backers.pay_out(staff.id, issue_id, 2_000)
    auth.login_as(people["Fay"])
    assert client.post(f"/follows/issues/{issue_id}").status_code == 302
    return issue_id, people, staff


def test_the_return_tells_each_backer_their_part_and_the_cashier_whom_to_pay(
    backers: Backers, app, city, client, auth, outbox
) -> None:
    issue_id, people, staff = _funded_and_fixed_for_less(backers, app, city, client, auth)
    auth.login_as(staff)
    done = client.post(
        f"/staff/issues/{issue_id}/remainder-return", data={"confirm": "yes"}, follow_redirects=True
    )
    assert "EUR 10.00 returned to where the money came from." in done.get_data(as_text=True)

    # EUR 10.00 back pro rata to 10 : 12 : 8 -> 3.33, 4.00, 2.67 (the spare cent to the larger remainder).
    def returned_mail(name: str) -> str:
        [mail] = [
            m
            for m in outbox()
            if m["To"] == people[name].email and m["Subject"] == "Unspent money returned: “Loose kerb”"
        ]
        return str(mail.get_content())

    where = "EUR 10.00 to the residents who backed it"
    for name, part, cashier in (
        ("Ida", "EUR 3.33", False),
        ("Ann", "EUR 4.00", True),
        ("Ben", "EUR 2.67", True),
    ):
        text = returned_mail(name)
        assert where in text
        assert f"{part} of it is yours, your share of what you backed." in text
        assert ("The city's cashier pays it back to you" in text) is cashier, name
    follower = returned_mail("Fay")
    assert where in follower
    assert "of it is yours" not in follower
    assert staff.email not in [m["To"] for m in outbox() if "Unspent" in str(m["Subject"])]  # who acted

    page = client.get("/staff/backings").get_data(as_text=True)
    owed = page.split('data-testid="owed-returns"')[1].split("</section>")[0]
    assert "EUR 4.00 to Ann" in owed
    assert "EUR 2.67 to Ben" in owed
    assert "Ida" not in owed  # paid through an instant provider: the cashier never held it
    assert "2 in all" in owed
    assert owed.count('class="cashier-list__ref">CF-B') == 2  # how the cashier matches the money

    auth.login_as(people["Ann"])
    mine = client.get("/account").get_data(as_text=True).split('data-testid="my-returned-parts"')[1]
    assert "EUR 4.00" in mine.split("</ul>")[0]
    assert "On its way from the city&#39;s cashier" in mine.split("</ul>")[0]
    auth.login_as(people["Ida"])
    assert "Returned to you" in client.get("/account").get_data(as_text=True).split("my-returned-parts")[1]
    # Found from outside: the delete page did not say the cashier still owed it.
    auth.login_as(people["Ann"])
    warned = " ".join(client.get("/account/delete").get_data(as_text=True).split())
    assert (
        "The city&#39;s cashier still owes you EUR 4.00, your part of what the fix of “Loose kerb” did "
        "not cost" in warned
    )


def test_the_cashier_marks_a_part_paid_back_once(backers: Backers, app, city, client, auth, outbox) -> None:
    issue_id, people, staff = _funded_and_fixed_for_less(backers, app, city, client, auth)
    auth.login_as(staff)
    client.post(f"/staff/issues/{issue_id}/remainder-return", data={"confirm": "yes"})
    page = client.get("/staff/backings").get_data(as_text=True)
    [line] = [
        int(item.split('"')[0]) for item in page.split('id="owed-return-')[1:] if "EUR 4.00 to Ann<" in item
    ]

    unconfirmed = client.post(f"/staff/returns/{line}/paid-back", follow_redirects=True)
    assert "Nothing changed: use the “Yes, …” button." in unconfirmed.get_data(as_text=True)
    done = client.post(f"/staff/returns/{line}/paid-back", data={"confirm": "yes"}, follow_redirects=True)
    # Named by the backing's reference too: display names are neither unique nor fixed.
    said = re.search(
        r"EUR 4\.00 to Ann \((CF-B[0-9]+)\) is paid back: it leaves the list\.", done.get_data(as_text=True)
    )
    assert said is not None
    again = client.post(f"/staff/returns/{line}/paid-back", data={"confirm": "yes"}, follow_redirects=True)
    assert f"Nothing changed: EUR 4.00 to Ann ({said[1]}) was marked paid back already." in again.get_data(
        as_text=True
    )
    [paid] = [m for m in outbox() if m["To"] == people["Ann"].email and "paid back your" in str(m["Subject"])]
    assert paid["Subject"] == "The city's cashier paid back your EUR 4.00"
    assert f"did not cost (backing {said[1]})" in " ".join(paid.get_content().split())
    missing = client.post("/staff/returns/999999/paid-back", data={"confirm": "yes"}, follow_redirects=True)
    assert "There is no returned part 999999 to pay back." in missing.get_data(as_text=True)
    owed = client.get("/staff/backings").get_data(as_text=True).split('data-testid="owed-returns"')[1]
    assert "to Ann" not in owed.split("</section>")[0]
    assert "1 in all" in owed.split("</section>")[0]
    with app.app_context():
        marks = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "issue.return_paid_back")
        ).all()
        assert [(m.actor_id, m.target_id, m.details["amount_cents"]) for m in marks] == [
            (staff.id, str(issue_id), 400)
        ]

    auth.login_as(people["Ann"])
    mine = client.get("/account").get_data(as_text=True).split('data-testid="my-returned-parts"')[1]
    assert "Paid back" in mine.split("</ul>")[0]
    auth.login_as(people["Ann"])  # a resident cannot mark it
    assert client.post(f"/staff/returns/{line}/paid-back", data={"confirm": "yes"}).status_code == 403


def test_an_instant_payments_part_is_not_the_cashiers_to_pay(
    backers: Backers, app, city, client, auth
) -> None:
    issue_id, _people, staff = _funded_and_fixed_for_less(backers, app, city, client, auth)
    auth.login_as(staff)
    client.post(f"/staff/issues/{issue_id}/remainder-return", data={"confirm": "yes"})
    with app.app_context():
        parts = return_paybacks.parts_of(
            db.session,
            [
                int(p)
                for p in db.session.scalars(select(AuditEntry).where(AuditEntry.action == "issue.return"))
                .one()
                .details["posting_ids"]
            ],
        )
        [ida] = [p for p in parts if p.resident == "Ida"]
        assert not ida.at_the_cashier
    refused = client.post(
        f"/staff/returns/{ida.line_id}/paid-back", data={"confirm": "yes"}, follow_redirects=True
    )
    assert "was not paid at the city&#39;s cashier: nothing to pay back." in refused.get_data(as_text=True)
