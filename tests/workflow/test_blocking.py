"""Blocking accounts and email domains: no registration or login for a blocked domain; no actions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.extensions import db
from app.models import BlockedDomain, User
from tests.conftest import AuthActions
from tests.testcity import OLD_TOWN
from tests.workflow.issue_state import audit_actions


def test_a_blocked_domain_cannot_register_or_log_in_and_its_accounts_are_blocked(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_user: Callable[..., Any],
    make_issue: Callable[..., Any],
) -> None:
    spammer = make_user(email="someone@spam.example")
    issue = make_issue()
    token_before = auth.token(spammer.email)
    auth.login_as(make_user(role="admin"))

    # Found from outside: one press blocked every account there, with no count (a typo of a big mail
    # provider would lock out many residents). The block asks first, saying how many.
    asked = client.post("/staff/admin/blocks/domains", data={"domain": "@Spam.Example", "reason": "bots"})
    assert asked.status_code == 422
    assert "also blocks 1 account there now (someone@spam.example)" in asked.get_data(as_text=True)
    assert 'name="confirm_accounts"' in asked.get_data(as_text=True)
    assert audit_actions(app) == []
    response = client.post(
        "/staff/admin/blocks/domains",
        data={"domain": "@Spam.Example", "reason": "bots", "confirm_accounts": "y"},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "spam.example" in page
    assert "someone@spam.example" in page  # listed among blocked accounts
    assert "every account already there is blocked with it" in page
    assert "and unblock its 1 blocked account" in page
    auth.logout()

    register = client.post(
        "/api/v1/users", json={"email": "new@spam.example", "display_name": "N", "password": "long enough pw"}
    )
    assert register.status_code == 403
    assert register.get_json()["error"]["field"] == "email"
    assert "spam.example cannot be used" in register.get_json()["error"]["message"]
    login = client.post("/account/login", data={"email": spammer.email, "password": "correct-horse-battery"})
    assert "spam.example cannot be used" in login.get_data(as_text=True)
    headers = {"Authorization": f"Bearer {token_before}"}
    assert client.post(f"/api/v1/issues/{issue.id}/like", headers=headers).status_code == 403
    report = client.post(
        "/api/v1/issues",
        json={**OLD_TOWN.latlon, "category": "pothole", "title": "t", "description": "d"},
        headers=headers,
    )
    assert report.status_code == 403
    assert (
        client.post(f"/api/v1/issues/{issue.id}/updates", json={"text": "hi"}, headers=headers).status_code
        == 403
    )
    assert [a for a, _ in audit_actions(app)] == ["domain.block"]


def test_bad_domains_and_staff_domains_are_refused(
    client: FlaskClient,
    auth: AuthActions,
    make_user: Callable[..., Any],
    table_counts: Callable[[], dict[str, int]],
) -> None:
    make_user(role="official", email="olivia@city.example")
    auth.login_as(make_user(role="admin", email="root@admins.example"))
    before = table_counts()

    bad = client.post("/staff/admin/blocks/domains", data={"domain": "not a domain"})
    staff = client.post("/staff/admin/blocks/domains", data={"domain": "city.example"})

    assert bad.status_code == 422
    assert "is not a domain name" in bad.get_data(as_text=True)
    assert staff.status_code == 422
    assert "Staff accounts use city.example" in staff.get_data(as_text=True)
    assert table_counts() == before


def test_an_admin_blocks_and_unblocks_an_account(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_user: Callable[..., Any],
) -> None:
    resident = make_user(email="rita@example.org")
    auth.login_as(make_user(role="admin"))

    client.post("/staff/admin/blocks/accounts", data={"email": "RITA@example.org", "action": "block"})
    with app.app_context():
        assert db.session.get(User, resident.id).is_blocked is True
    # Found from outside: a blocked resident logged in and learnt it only from each refused action.
    auth.login_as(resident)
    page = client.get("/").get_data(as_text=True)
    assert "The city has blocked this account: you can read the site and" in page
    assert "but not take part. To ask why, contact the city&#39;s service desk." in page
    auth.login_as(make_user(role="admin"))
    missing = client.post("/staff/admin/blocks/accounts", data={"email": "nobody@example.org"})
    assert missing.status_code == 404
    assert "There is no account" in missing.get_data(as_text=True)
    client.post("/staff/admin/blocks/accounts", data={"email": "rita@example.org", "action": "unblock"})
    with app.app_context():
        assert db.session.get(User, resident.id).is_blocked is False
    assert [a for a, _ in audit_actions(app)] == ["account.block", "account.unblock"]


def test_a_domain_block_covers_every_spelling_of_the_domain_and_its_subdomains(
    app: Flask, client: FlaskClient, auth: AuthActions, make_user: Callable[..., Any]
) -> None:
    """Found from outside: "x@spam.example." (a trailing dot, the same mailbox) registered past the
    block, a full-width letter in the domain too, and a subdomain's address was not covered."""
    at_subdomain = make_user(email="old@mail.spam.example")
    elsewhere = make_user(email="old@notspam.example")
    auth.login_as(make_user(role="admin"))
    client.post(
        "/staff/admin/blocks/domains",
        data={"domain": "spam.example", "reason": "bots", "confirm_accounts": "y"},
    )
    auth.logout()

    def register(email: str) -> tuple[int, str]:
        response = client.post(
            "/api/v1/users", json={"email": email, "display_name": "N", "password": "long enough pw"}
        )
        error = response.get_json()["error"]
        return response.status_code, f"{error['field']}: {error['message']}"

    status, error = register("new@spam.example.")
    assert (status, error.endswith("An email address cannot end with a period.")) == (422, True)
    for spelling in ("new@ｓpam.example", "new@mail.spam.example", "new@SPAM.example"):
        status, error = register(spelling)
        assert status == 403, spelling
        assert "cannot be used on Commonfix" in error, spelling
    with app.app_context():
        assert db.session.get(User, at_subdomain.id).is_blocked  # type: ignore[union-attr]
        assert not db.session.get(User, elsewhere.id).is_blocked  # type: ignore[union-attr]
        assert db.session.query(User).filter(User.email.like("new@%")).count() == 0


def test_allowing_a_domain_again_can_unblock_its_accounts(
    app: Flask, client: FlaskClient, auth: AuthActions, make_user: Callable[..., Any]
) -> None:
    """Found from outside: "Allow again" left every account the block had blocked, to be unblocked one
    by one. It now offers to unblock them with the domain."""
    ann, bob = make_user(email="ann@mailhost.example"), make_user(email="bob@mailhost.example")
    auth.login_as(make_user(role="admin"))
    blocked = client.post(
        "/staff/admin/blocks/domains", data={"domain": "mailhost.example", "confirm_accounts": "y"}
    )
    assert blocked.status_code == 302
    with app.app_context():
        domain_id = db.session.scalars(select(BlockedDomain.id)).one()

    client.post(f"/staff/admin/blocks/domains/{domain_id}/delete", data={"unblock_accounts": "yes"})

    with app.app_context():
        assert not db.session.get(User, ann.id).is_blocked  # type: ignore[union-attr]
        assert not db.session.get(User, bob.id).is_blocked  # type: ignore[union-attr]
        assert db.session.scalars(select(BlockedDomain.id)).all() == []
    assert [a for a, _ in audit_actions(app)] == ["domain.block", "domain.unblock"]


def test_allowing_a_domain_again_leaves_accounts_under_a_domain_still_blocked(
    app: Flask, client: FlaskClient, auth: AuthActions, make_user: Callable[..., Any]
) -> None:
    """Found in review: allowing example.com again unblocked the accounts at sub.example.com while
    sub.example.com stayed blocked, and the page said "unblocked" when a blocked parent kept them."""
    top = make_user(email="ann@spamhost.example")
    below = make_user(email="bob@mail.spamhost.example")
    auth.login_as(make_user(role="admin"))
    for domain in ("spamhost.example", "mail.spamhost.example"):
        sent = client.post("/staff/admin/blocks/domains", data={"domain": domain, "confirm_accounts": "y"})
        assert sent.status_code == 302
    with app.app_context():
        ids = dict(db.session.execute(select(BlockedDomain.domain, BlockedDomain.id)).tuples().all())

    # Each domain's "Allow again" offers what it would unblock: nothing under the domain above.
    blocks = client.get("/staff/admin/blocks").get_data(as_text=True)
    assert blocks.count("and unblock its 1 blocked account") == 1  # spamhost.example: ann, not bob
    # The subdomain first: its account stays blocked under the domain above it, and the page says so.
    page = client.post(
        f"/staff/admin/blocks/domains/{ids['mail.spamhost.example']}/delete",
        data={"unblock_accounts": "yes"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Domain allowed again; 0 accounts unblocked with it." in page
    with app.app_context():
        assert db.session.get(User, below.id).is_blocked  # type: ignore[union-attr]

    # Blocked again, then the domain above allowed: the subdomain's account stays blocked with it.
    client.post("/staff/admin/blocks/domains", data={"domain": "mail.spamhost.example"})
    with app.app_context():
        ids = dict(db.session.execute(select(BlockedDomain.domain, BlockedDomain.id)).tuples().all())
    page = client.post(
        f"/staff/admin/blocks/domains/{ids['spamhost.example']}/delete",
        data={"unblock_accounts": "yes"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Domain allowed again; 1 account unblocked with it." in page
    with app.app_context():
        assert not db.session.get(User, top.id).is_blocked  # type: ignore[union-attr]
        assert db.session.get(User, below.id).is_blocked  # type: ignore[union-attr]


def test_the_blocked_list_says_how_many_finds_any_and_unblocks_by_address(
    app: Flask, client: FlaskClient, auth: AuthActions, make_user: Callable[..., Any]
) -> None:
    """Found from outside: past 200 blocked accounts the list stopped without saying so, and an account
    past it (sorted by address) could not be unblocked from the page."""
    for i in range(201):
        make_user(email=f"bot{i:03d}@spam.example", is_blocked=True)
    late = make_user(email="zed@example.org", display_name="Zed Late", is_blocked=True)
    auth.login_as(make_user(role="admin"))

    page = client.get("/staff/admin/blocks").get_data(as_text=True)
    assert "202 blocked accounts; the first 200 by address are listed" in page
    assert "zed@example.org" not in page
    found = client.get("/staff/admin/blocks?q=ZED").get_data(as_text=True)
    assert "1 blocked account match “ZED”" in found
    assert "Zed Late &lt;zed@example.org&gt;" in found
    assert "No blocked account matches “100%”" in client.get("/staff/admin/blocks?q=100%25").get_data(
        as_text=True
    )

    done = client.post("/staff/admin/blocks/accounts", data={"email": "zed@example.org", "action": "unblock"})
    assert done.status_code == 302
    with app.app_context():
        assert db.session.get(User, late.id).is_blocked is False


def test_a_long_reason_is_refused_as_a_reason(client: FlaskClient, auth: AuthActions, make_user) -> None:
    """Found from outside: a 3,000-character reason for a block was refused as "Note must be at most"."""
    auth.login_as(make_user(role="admin"))
    refused = client.post(
        "/staff/admin/blocks/domains", data={"domain": "spam.example", "reason": "x" * 3000}
    )
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "Reason must be at most 2,000 characters (it has 3,000)." in page
    assert "Note must be" not in page


def test_a_domain_in_another_script_is_blocked_as_addresses_hold_it(
    client: FlaskClient, auth: AuthActions, make_user: Callable[..., Any]
) -> None:
    """Found from outside: "bücher.example" was refused as not a domain, and registering at it was
    refused only once the admin typed "xn--bcher-kva.example"."""
    auth.login_as(make_user(role="admin"))
    sent = client.post("/staff/admin/blocks/domains", data={"domain": "Bücher.example", "reason": "bots"})
    assert sent.status_code == 302
    listed = client.get("/staff/admin/blocks").get_data(as_text=True)
    assert '<strong>bücher.example</strong> <span class="muted">(xn--bcher-kva.example)</span>' in listed
    auth.logout()
    refused = client.post(
        "/api/v1/users",
        json={"email": "eve@bücher.example", "display_name": "Eve", "password": "long enough pw"},
    )
    assert refused.status_code == 403
    assert "Addresses at bücher.example cannot be used" in refused.get_json()["error"]["message"]


def test_an_account_at_a_domain_in_another_script_is_found_as_typed(
    app: Flask, client: FlaskClient, auth: AuthActions, make_user: Callable[..., Any]
) -> None:
    """Found from outside: blocking "bob@bücher.example" answered "There is no account"."""
    bob = make_user(email="bob@xn--bcher-kva.example")
    auth.login_as(make_user(role="admin"))
    sent = client.post(
        "/staff/admin/blocks/accounts", data={"email": "Bob@Bücher.example", "action": "block"}
    )
    assert sent.status_code == 302
    with app.app_context():
        assert db.session.get(User, bob.id).is_blocked is True  # type: ignore[union-attr]


def test_an_account_action_is_block_or_unblock(
    app: Flask, client: FlaskClient, auth: AuthActions, make_user: Callable[..., Any]
) -> None:
    """Found from outside: action=explode blocked the account."""
    resident = make_user(email="rita@example.org")
    auth.login_as(make_user(role="admin"))
    odd = client.post("/staff/admin/blocks/accounts", data={"email": "rita@example.org", "action": "explode"})
    assert odd.status_code == 422
    assert "Action must be block or unblock." in odd.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, resident.id).is_blocked is False  # type: ignore[union-attr]
