"""A treasurer declines a pending pledge whose money never arrived (found from outside: a pledge that
was never paid stayed pending for ever, in the pool's "Pending" figure and the pledger's list, and
kept its pledger from deleting their account while a round was open). By API and on the treasurer's
page; nothing is posted; declined and confirmed exclude each other, also when sent at once. Both
engines; the web route's row is in tests/test_access_rules.py."""

# ruff: noqa: F811  (fixtures are imported, then requested by name)

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry, Group, Pledge, User
from app.services.funding import pledges
from app.services.kernel.errors import Conflict
from app.services.workspace.audit_phrases import Facts
from app.services.workspace.audit_words import describe
from tests import factories
from tests.conftest import AuthActions
from tests.funding.round_world import RoundWorld, world  # noqa: F401
from tests.funding_fixtures import Funding, funding  # noqa: F401
from tests.mailbox import Outbox, mails_to, text_of


def decline(client: FlaskClient, pledge_id: int, headers: dict[str, str]):
    return client.post(f"/api/v1/pledges/{pledge_id}/decline", headers=headers)


def decline_words(app: Flask) -> list[str]:
    with app.app_context():
        rows = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "pledge.decline").order_by(AuditEntry.id)
        ).all()
        facts = [Facts(r.action, r.target_type, r.target_id, r.details or {}) for r in rows]
        return [describe(f, {}).text for f in facts]


def test_a_treasurer_declines_a_pending_pledge_and_nothing_is_posted(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    funding: Funding,
    make_user: Callable[..., User],
    outbox: Outbox,
) -> None:
    ref = funding.group()
    pledger = funding.member(ref)
    treasurer = funding.member(ref, admin=True)
    pledge_id = funding.pledge(ref, pledger, 700, confirm=False)
    before = funding.counts()

    for who in (pledger, funding.member(ref), make_user()):
        assert decline(client, pledge_id, auth.headers(who)).status_code == 403
    assert client.post(f"/api/v1/pledges/{pledge_id}/decline").status_code == 401
    missing = decline(client, 999_999, auth.headers(treasurer))
    assert (missing.status_code, missing.get_json()["error"]["field"]) == (404, "pledge_id")

    declined = decline(client, pledge_id, auth.headers(treasurer))
    again = decline(client, pledge_id, auth.headers(role="official"))

    assert (declined.status_code, again.status_code) == (200, 200)
    assert declined.get_json()["status"] == again.get_json()["status"] == "declined"
    assert declined.get_json()["confirmed_at"] is None
    balance = funding.balance(ref)
    assert (balance.pending_cents, balance.confirmed_cents, balance.balance_cents) == (0, 0, 0)
    assert funding.counts() == before  # no posting, no ledger line
    # Once, in words: declining what is declined audits nothing.
    assert decline_words(app) == [
        f"declined pledge {pledge_id} of EUR 7.00 to pool {ref.pool_id}: its money never arrived"
    ]
    # Declined money never arrived: confirming it later is refused, and nothing moves.
    late = client.post(f"/api/v1/pledges/{pledge_id}/confirm", headers=auth.headers(treasurer))
    assert (late.status_code, late.get_json()["error"]["field"]) == (409, "pledge_id")
    assert "was declined" in late.get_json()["error"]["message"]
    assert funding.counts() == before
    mine = client.get("/api/v1/account", headers=auth.headers(pledger))
    assert [p["status"] for p in mine.get_json()["pledges"]] == ["declined"]
    # Found from outside: the pledger learned it only from a badge. They are mailed, once.
    [told] = [m for m in mails_to(outbox, pledger.email) if not str(m["Subject"]).startswith("How to pay")]
    with app.app_context():
        group_name = db.session.get(Group, ref.group_id).name  # type: ignore[union-attr]
    assert told["Subject"] == f"Your pledge of EUR 7.00 to {group_name} was declined"
    assert "the money did not arrive in the group's account" in text_of(told)
    assert text_of(told).startswith(f"The treasurer of {group_name} declined your pledge of EUR 7.00")
    assert f"/pools/{ref.pool_id}" in text_of(told)
    # Pledging again is on the group's page, not the pool's (found from outside); the mail says why it came.
    assert f"you can pledge again on the group's page: http://localhost/groups/{ref.group_id}" in text_of(
        told
    )
    assert "You get this email because you pledged money to a neighbourhood pool" in text_of(told)


def test_a_confirmed_pledge_is_not_declined(client: FlaskClient, auth: AuthActions, funding: Funding) -> None:
    ref = funding.group()
    treasurer = funding.member(ref, admin=True)
    pledge_id = funding.pledge(ref, funding.member(ref), 500, confirm=True)
    before = funding.counts()

    refused = decline(client, pledge_id, auth.headers(treasurer))

    assert (refused.status_code, refused.get_json()["error"]["field"]) == (409, "pledge_id")
    assert "was confirmed already" in refused.get_json()["error"]["message"]
    assert funding.balance(ref).confirmed_cents == 500
    assert funding.counts() == before


def test_a_blocked_treasurer_declines_nothing(
    app: Flask, client: FlaskClient, auth: AuthActions, funding: Funding
) -> None:
    ref = funding.group()
    treasurer = funding.member(ref, admin=True)
    pledge_id = funding.pledge(ref, funding.member(ref), 500, confirm=False)
    with app.app_context():
        db.session.get(User, treasurer.id).is_blocked = True  # type: ignore[union-attr]
        db.session.commit()

    refused = decline(client, pledge_id, auth.headers(treasurer))

    assert refused.status_code == 403
    assert funding.balance(ref).pending_cents == 500


def test_the_treasurer_declines_on_the_page_and_the_pledger_reads_why(
    app: Flask, client: FlaskClient, auth: AuthActions, funding: Funding
) -> None:
    ref = funding.group()
    pledger = funding.member(ref)
    treasurer = funding.member(ref, admin=True)
    pledge_id = funding.pledge(ref, pledger, 1250, confirm=False)

    auth.login_as(treasurer)
    page = client.get(f"/pools/{ref.pool_id}/treasurer").get_data(as_text=True)
    assert f'action="/pledges/{pledge_id}/decline"' in page
    assert "Decline EUR 12.50 from" in page
    done = client.post(f"/pledges/{pledge_id}/decline", follow_redirects=True)

    assert done.status_code == 200
    text = done.get_data(as_text=True)
    assert f"Pledge {pledge_id} of EUR 12.50 declined" in text
    assert "No pledges are waiting for confirmation." in text
    assert funding.balance(ref).pending_cents == 0
    auth.login_as(pledger)
    for path in (f"/groups/{ref.group_id}", "/account"):
        shown = client.get(path).get_data(as_text=True)
        assert 'data-pledge-status="declined"' in shown, path
        assert "Declined: no money arrived" in shown, path


def test_confirm_and_decline_sent_at_once_settle_one_way(app: Flask, funding: Funding) -> None:
    ref = funding.group()
    treasurer = funding.member(ref, admin=True)
    pledge_ids = [funding.pledge(ref, funding.member(ref), 300 + n, confirm=False) for n in range(6)]

    def act(pledge_id: int, confirm: bool) -> str:
        with app.app_context():
            actor = db.session.get(User, treasurer.id)
            assert actor is not None
            try:
                done = (
                    pledges.confirm(db.session, actor, pledge_id)
                    if confirm
                    else pledges.decline(db.session, actor, pledge_id)
                )
                db.session.commit()
                return done.status
            except Conflict:
                db.session.rollback()
                return "refused"
            finally:
                db.session.remove()

    jobs = [(pledge_id, confirm) for pledge_id in pledge_ids for confirm in (True, False, True, False)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda job: act(*job), jobs))

    with app.app_context():
        final = dict(
            db.session.execute(select(Pledge.id, Pledge.status).where(Pledge.id.in_(pledge_ids)))
            .tuples()
            .all()
        )
    confirmed = [p for p in pledge_ids if final[p] == "confirmed"]
    assert all(final[p] in ("confirmed", "declined") for p in pledge_ids)
    # Every answer agrees with where its pledge ended; confirmed money is posted exactly once.
    for (pledge_id, _confirm), result in zip(jobs, results, strict=True):
        assert result in (final[pledge_id], "refused")
    balance = funding.balance(ref)
    assert balance.confirmed_cents == sum(300 + pledge_ids.index(p) for p in confirmed)
    assert balance.pending_cents == 0
    assert funding.counts()[1] == len(confirmed)  # postings: one per confirmed pledge


def test_a_declined_pledge_does_not_hold_an_account_open(world: RoundWorld, client: FlaskClient) -> None:
    world.build(members=2, costs=(3000, 2000))
    assert world.ref is not None
    leaver = world.members[1]
    pledge_id = world.funding.pledge(world.ref, leaver, 900, confirm=False)
    assert world.admin is not None
    assert decline(client, pledge_id, world.headers(world.admin)).status_code == 200
    rid = world.create(by=world.official)["id"]
    world.open_voting(rid)

    deleted = client.delete(
        "/api/v1/account", json={"password": factories.DEFAULT_PASSWORD}, headers=world.headers(leaver)
    )

    assert deleted.status_code in (200, 204), deleted.get_json()
    with world.app.app_context():
        assert db.session.get(Pledge, pledge_id) is None


def test_the_treasurer_page_asks_before_confirming_declining_or_matching(
    client: FlaskClient, auth: AuthActions, funding: Funding
) -> None:
    """Each of the page's money acts cannot be undone: each opens a step saying so, and only its "Yes, ..."
    button posts."""
    ref = funding.group()
    pledger = funding.member(ref)
    pledge_id = funding.pledge(ref, pledger, 1250, confirm=False)
    auth.login_as(funding.member(ref, role="official"))

    page = client.get(f"/pools/{ref.pool_id}/treasurer").get_data(as_text=True)

    for testid, action, yes in (
        (f"confirm-{pledge_id}", f"/pledges/{pledge_id}/confirm", "Yes, confirm EUR 12.50 from"),
        (f"decline-{pledge_id}", f"/pledges/{pledge_id}/decline", "Yes, decline EUR 12.50 from"),
        ("match", f"/pools/{ref.pool_id}/match", "Yes, add matching money"),
    ):
        step = page.split(f'<details class="confirm" data-testid="{testid}">', 1)[1].split("</details>", 1)[0]
        assert f'action="{action}"' in step, testid
        assert "It cannot be undone" in step or "cannot be confirmed afterwards" in step, testid
        assert yes in step, testid
        # Nowhere else on the page does a button post there at once.
        assert page.count(f'action="{action}"') == 1, testid


def test_a_treasurers_own_pledge_declined_by_an_official_says_an_official_declined_it(
    client: FlaskClient, auth: AuthActions, funding: Funding, outbox: Outbox
) -> None:
    """Found from outside: the treasurer read "The treasurer of ... declined your pledge ... tell the
    treasurer" about their own pledge, which only another admin or an official can settle."""
    ref = funding.group()
    treasurer = funding.member(ref, admin=True)
    pledge_id = funding.pledge(ref, treasurer, 700, confirm=False)

    assert decline(client, pledge_id, auth.headers(role="official")).status_code == 200

    [told] = [m for m in mails_to(outbox, treasurer.email) if not str(m["Subject"]).startswith("How to pay")]
    assert text_of(told).startswith("A city official declined your pledge of EUR 7.00")
    assert "If you did pay, tell a city official" in text_of(told)  # not "tell the treasurer": them
