"""What the city's cashier owes back: backings paid by transfer that their problem did not spend are
listed on the cashier's page (refunded: pay the resident; moved to a pool: hand it to the group's
treasurer) until marked paid back, once, audited. Found from outside: residents were told "refunded
to you" and nothing told the cashier to pay."""

# ruff: noqa: F811  (the `backers` fixture is imported, then requested by name)

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry, User
from app.services.workflow import status_changes
from tests.backing_fixtures import Backers, backers  # noqa: F401  (fixture)
from tests.funding.test_backing_settlement import official, pool_of_old_town
from tests.funding.test_pending_backings import back, shipped


def test_the_cashier_pays_back_what_a_closed_problem_did_not_spend(
    backers: Backers, app, city, client, auth, outbox
) -> None:
    pool_id = pool_of_old_town(app, city)
    issue_id = backers.problem(title="Loose kerb")
    refunded, moved, instant = backers.resident(display_name="Ann"), backers.resident(), backers.resident()
    backers.back(instant, issue_id, 300)  # paid through an instant provider: nothing for the cashier
    shipped(app)
    staff = official(app)
    cashier = auth.headers(staff)
    ids = []
    for resident, fallback, key in ((refunded, "refund", "a"), (moved, "pool", "b")):
        made = client.post(
            f"/api/v1/issues/{issue_id}/backings",
            json={"amount_cents": 700, "fallback": fallback},
            headers={**auth.headers(resident), "Idempotency-Key": key},
        )
        assert made.status_code in (200, 201, 202), made.get_json()
        ids.append(made.get_json()["id"])
        assert client.post(f"/api/v1/backings/{ids[-1]}/confirmation", headers=cashier).status_code == 200
    waiting = back(client, issue_id, 200, auth.headers(backers.resident()), "c").get_json()["id"]
    with app.app_context():
        actor = db.session.get(User, staff.id)
        status_changes.change_status(db.session, actor, issue_id, "closed", "Not the city's road")
        db.session.commit()

    [refund_mail] = [m for m in outbox() if m["To"] == refunded.email and "refunded" in str(m["Subject"])]
    assert (
        f"is refunded: the city's cashier pays it back to you (reference CF-B{ids[0]})"
        in refund_mail.get_content()
    )
    [moved_mail] = [m for m in outbox() if m["To"] == moved.email and "moved" in str(m["Subject"])]
    assert (
        str(moved_mail["Subject"])
        == "“Loose kerb” was closed: your backing moved to the pool of Old Town neighbours"
    )
    assert "the city's cashier hands the money to its treasurer" in moved_mail.get_content()
    auth.login_as(refunded)
    told = client.get("/account").get_data(as_text=True)
    assert "the city&#39;s cashier pays it back to you" in told  # "refunded" alone read as done
    # Found from outside: "Moved to your area's pool" named no pool (it is the problem's area's), and
    # the pool's treasurers counted the money as theirs while the cashier still held it.
    auth.login_as(moved)
    assert "Moved to the pool of Old Town neighbours" in client.get("/account").get_data(as_text=True)
    auth.login_as(staff)
    treasurer_page = client.get(f"/pools/{pool_id}/treasurer").get_data(as_text=True)
    assert 'data-testid="at-the-cashier">EUR 7.00<' in treasurer_page
    page = client.get("/staff/backings").get_data(as_text=True)
    owed = page.split('data-testid="owed-backings"')[1].split("</section>")[0]
    assert f"CF-B{ids[0]}</span> · EUR 7.00" in owed
    assert "Pay back to Ann" in owed
    assert f"CF-B{ids[1]}</span> · EUR 7.00" in owed
    assert "Hand to the treasurer of Old Town neighbours" in owed
    assert f"CF-B{waiting}" not in owed  # cancelled while waiting: nothing was paid to the city
    assert "2 in all" in owed

    looked_up = client.get(f"/staff/backings?reference=CF-B{ids[0]}").get_data(as_text=True)
    assert "Not paid back yet: it is under “Money to pay back” above." in looked_up
    done = client.post(f"/staff/backings/{ids[0]}/paid-back", data={"confirm": "yes"}, follow_redirects=True)
    assert f"Backing CF-B{ids[0]} is paid back: it leaves the list." in done.get_data(as_text=True)
    [paid] = [m for m in outbox() if m["To"] == refunded.email and "paid back" in str(m["Subject"])]
    assert (
        f"The city's cashier paid back your EUR 7.00 for problem #{issue_id} “Loose kerb”"
        in paid.get_content()
    )
    assert "Marked paid back on" in client.get(f"/staff/backings?reference=CF-B{ids[0]}").get_data(
        as_text=True
    )
    again = client.post(f"/staff/backings/{ids[0]}/paid-back", data={"confirm": "yes"}, follow_redirects=True)
    assert "was marked paid back already" in again.get_data(as_text=True)
    owed = client.get("/staff/backings").get_data(as_text=True).split('data-testid="owed-backings"')[1]
    assert f"CF-B{ids[0]}<" not in owed.split("</section>")[0]
    with app.app_context():
        marks = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "backing.paid_back")).all()
        assert [(m.actor_id, m.target_id) for m in marks] == [(staff.id, str(ids[0]))]
    auth.login_as(refunded)
    assert 'data-testid="owed-back"' not in client.get("/account").get_data(as_text=True)
    auth.login_as(staff)
    assert client.post(f"/staff/backings/{ids[1]}/paid-back", data={"confirm": "yes"}).status_code == 302
    # Found from outside: its subject said "is paid back" of money handed to the pool's treasurer.
    [handed] = [m for m in outbox() if m["To"] == moved.email and "treasurer of" in str(m["Subject"])]
    assert handed["Subject"] == "Your backing of “Loose kerb” is with the treasurer of Old Town neighbours"
    assert 'data-testid="at-the-cashier"' not in client.get(f"/pools/{pool_id}/treasurer").get_data(
        as_text=True
    )
