"""Who may use which route: a table of route x role, checked against the app, and complete by construction.

Every view guarded by `login_required` or `roles_required` must have a row here or, for staff routes,
in tests/test_staff_access.py's table (a test finds them in the URL map), so no route ships without its
rule. Routes that check the user inside the view (the JSON API's writes) are listed by hand. Role
checks do not depend on the database engine, so this module runs on SpatiaLite only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.models import User
from tests.conftest import AuthActions
from tests.test_staff_access import TABLE as STAFF_TABLE

pytestmark = pytest.mark.parametrize("backend", ["spatialite"], indirect=True)

ROLES = ("anonymous", "resident", "official", "admin")
EVERYONE = frozenset({"resident", "official", "admin"})
STAFF = frozenset({"official", "admin"})
ADMIN = frozenset({"admin"})


@dataclass(frozen=True)
class Rule:
    """`allowed` roles get past the guard; others get 403; anonymous users get 401 or the login page."""

    endpoint: str
    method: str
    path: str  # ids need not exist: guards run before the view looks anything up
    allowed: frozenset[str]
    anonymous: str = "401"  # or "login": redirected to the login form (web pages)

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}"


def web(endpoint: str, method: str, path: str, allowed: frozenset[str]) -> Rule:
    """A web route: pages for any resident, and staff pages read with GET, send anonymous users to log in;
    other staff routes answer 401."""
    to_login = allowed == EVERYONE or (path.startswith("/staff/") and method == "GET")
    return Rule(endpoint, method, path, allowed, "login" if to_login else "401")


RULES = [
    # The foundation: reporting and liking (API: bearer token; web: login session).
    Rule("api.create_issue", "POST", "/api/v1/issues", EVERYONE),
    Rule("api.like_issue", "POST", "/api/v1/issues/1/like", EVERYONE),
    Rule("api.unlike_issue", "DELETE", "/api/v1/issues/1/like", EVERYONE),
    Rule("api.change_own_issue", "PATCH", "/api/v1/issues/1", EVERYONE),
    Rule("api.withdraw_own_issue", "DELETE", "/api/v1/issues/1", EVERYONE),
    web("issues.new", "GET", "/issues/new", EVERYONE),
    web("issues.new", "POST", "/issues/new", EVERYONE),
    web("issues.like", "POST", "/issues/1/like", EVERYONE),
    web("issues.unlike", "POST", "/issues/1/unlike", EVERYONE),
    # Backing a problem (issue 18): any logged-in resident; the service then asks for a confirmed email.
    Rule("api.create_backing", "POST", "/api/v1/issues/1/backings", EVERYONE),
    web("issues.back", "POST", "/issues/1/back", EVERYONE),
    web("issues.publish_held", "POST", "/issues/1/held/publish", EVERYONE),
    web("issues.discard_held", "POST", "/issues/1/held/discard", EVERYONE),
    web("issues.reporter_name", "POST", "/issues/1/name", EVERYONE),
    web("issues.correct", "GET", "/issues/1/correct", EVERYONE),
    web("issues.correct", "POST", "/issues/1/correct", EVERYONE),
    web("issues.withdraw", "POST", "/issues/1/withdraw", EVERYONE),
    # Accounts: where I am logged in, my tokens, confirming my address.
    web("auth.security", "GET", "/account/security", EVERYONE),
    web("auth.logout_everywhere", "POST", "/account/security/logout-everywhere", EVERYONE),
    web("auth.revoke_token", "POST", "/account/security/tokens/1/revoke", EVERYONE),
    web("auth.end_login_elsewhere", "POST", "/account/security/logins/1/end", EVERYONE),
    web("auth.confirm_pending", "GET", "/account/confirm", EVERYONE),
    web("auth.resend_confirmation", "POST", "/account/confirm/resend", EVERYONE),
    Rule("api.get_account", "GET", "/api/v1/account", EVERYONE),
    Rule("api.list_tokens", "GET", "/api/v1/account/tokens", EVERYONE),
    Rule("api.revoke_token", "DELETE", "/api/v1/account/tokens/1", EVERYONE),
    Rule("api.resend_confirmation", "POST", "/api/v1/account/confirmation", EVERYONE),
    # Account settings (issue 14, item 3): every signed-in account, its own settings only.
    web("auth.settings", "GET", "/account/settings", EVERYONE),
    web("auth.update_profile", "POST", "/account/settings/profile", EVERYONE),
    web("auth.change_email", "POST", "/account/settings/email", EVERYONE),
    web("auth.update_emails", "POST", "/account/settings/emails", EVERYONE),
    web("auth.change_password", "POST", "/account/settings/password", EVERYONE),
    Rule("api.update_account", "PATCH", "/api/v1/account", EVERYONE),
    Rule("api.change_email", "POST", "/api/v1/account/email", EVERYONE),
    Rule("api.change_password", "PUT", "/api/v1/account/password", EVERYONE),
    # Workflow: timeline updates by residents, follows.
    web("timeline.post_update", "POST", "/issues/1/updates", EVERYONE),
    web("timeline.not_fixed", "POST", "/issues/1/not-fixed", EVERYONE),
    web("follows.follow_issue", "POST", "/follows/issues/1", EVERYONE),
    web("follows.unfollow_issue", "POST", "/follows/issues/1/unfollow", EVERYONE),
    web("follows.follow_area", "POST", "/follows/areas/1", EVERYONE),
    web("follows.unfollow_area", "POST", "/follows/areas/1/unfollow", EVERYONE),
    # Groups, pools and pledges.
    web("groups.join", "POST", "/groups/1/join", EVERYONE),
    web("groups.leave", "POST", "/groups/1/leave", EVERYONE),
    web("groups.pledge", "POST", "/groups/1/pledge", EVERYONE),
    # Past the guard the view checks who runs the group, and refuses the pledger's own pledge
    # (tests/funding/test_pledge_own.py).
    web("groups.confirm", "POST", "/pledges/1/confirm", EVERYONE),
    web("groups.decline", "POST", "/pledges/1/decline", EVERYONE),
    # Withdrawing: the service lets only the pledger past (tests/funding/test_pledge_withdraw.py).
    web("groups.withdraw", "POST", "/pledges/1/withdraw", EVERYONE),
    # ... and a backing: only the backer (tests/funding/test_backing_withdraw.py).
    web("issues.withdraw_backing", "POST", "/issues/backings/1/withdraw", EVERYONE),
    Rule("api.withdraw_backing", "POST", "/api/v1/backings/1/withdraw", EVERYONE),
    Rule("api.withdraw_pledge", "POST", "/api/v1/pledges/1/withdraw", EVERYONE),
    web("groups.pool_state", "POST", "/pools/1/state", EVERYONE),
    # Past the guard the service lets only the group's admins and officials change them
    # (tests/funding/test_pool_payment_details.py).
    web("groups.payment_details", "POST", "/pools/1/payment-details", EVERYONE),
    web("groups.treasurer", "GET", "/pools/1/treasurer", EVERYONE),
    web("groups.pledges_csv", "GET", "/pools/1/pledges.csv", EVERYONE),
    web("groups.refund_handed_back", "POST", "/pools/1/refunds/1/handed-back", EVERYONE),
    # Participatory-budgeting rounds (the view checks membership and the treasurer role itself).
    web("rounds.ballot", "GET", "/rounds/1/ballot", EVERYONE),
    web("rounds.ballot", "POST", "/rounds/1/ballot", EVERYONE),
    # A likes ballot changes one like at a time (the service checks who may vote).
    web("rounds.likes_ballot_toggle", "POST", "/rounds/1/ballot/likes/1", EVERYONE),
    web("rounds.move_phase", "POST", "/rounds/1/phase", EVERYONE),
    web("rounds.set_match", "POST", "/rounds/1/match", EVERYONE),
    web("rounds.run_tally", "POST", "/rounds/1/tally", EVERYONE),
    # Who may vote: the runners change it (the service checks), residents verify against a census.
    web("rounds.change_eligibility", "POST", "/rounds/1/eligibility", EVERYONE),
    web("rounds.verify_census", "GET", "/areas/1/verification", EVERYONE),
    web("rounds.verify_census", "POST", "/areas/1/verification", EVERYONE),
    Rule("api.verify_census", "POST", "/api/v1/areas/1/census/verification", EVERYONE),
    Rule("api.census_verification", "GET", "/api/v1/areas/1/census/verification", EVERYONE),
    # The round's closing (runners: the service checks) and the city's certification (staff; the
    # services check again: tests/funding/test_round_certification.py's role x action table).
    web("rounds.close_voting", "POST", "/rounds/1/voting-close", EVERYONE),
    # Cancelling: runners before voting opens, the city after (the service checks, the table holds both).
    web("rounds.cancel", "POST", "/rounds/1/cancellation", EVERYONE),
    Rule("rounds.certify", "POST", "/rounds/1/certification", STAFF, "login"),
    Rule("rounds.send_back", "POST", "/rounds/1/send-back", STAFF, "login"),
    Rule("rounds.release", "POST", "/rounds/1/turnout-release", STAFF, "login"),
    # Voting codes and paper ballots (issue 19, items 1c and 2): officials; residents type a code.
    Rule("rounds.code_batches", "GET", "/rounds/1/codes", STAFF, "login"),
    Rule("rounds.code_batches", "POST", "/rounds/1/codes", STAFF, "login"),
    Rule("rounds.paper", "GET", "/rounds/1/paper", STAFF, "login"),
    Rule("rounds.paper", "POST", "/rounds/1/paper", STAFF, "login"),
    Rule("rounds.void_paper", "POST", "/rounds/1/paper/1/void", STAFF, "login"),
    web("rounds.claim_code", "POST", "/rounds/1/code", EVERYONE),
    # My Commonfix, the data download, deleting the account, flags.
    web("account.home", "GET", "/account", EVERYONE),
    web("account.export", "POST", "/account/export", EVERYONE),
    web("account.delete", "GET", "/account/delete", EVERYONE),
    web("account.delete", "POST", "/account/delete", EVERYONE),
    web("flags.flag", "GET", "/issues/1/flag", EVERYONE),
    web("flags.flag", "POST", "/issues/1/flag", EVERYONE),
]


def guards(view: Any) -> Iterator[str]:
    """The access decorators wrapped around a view, found by the code that wraps it."""
    while view is not None:
        qualname = view.__code__.co_qualname
        if qualname.startswith(("roles_required.", "login_required.")):
            yield qualname.split(".")[0]
        view = getattr(view, "__wrapped__", None)


def test_every_guarded_route_has_an_access_rule(app: Flask) -> None:
    """Every guarded route has one row: staff routes in tests/test_staff_access.py, the rest here."""
    listed = {(r.endpoint, r.method) for r in RULES}
    missing = sorted(
        f"{method} {url_rule.rule} ({url_rule.endpoint})"
        for url_rule in app.url_map.iter_rules()
        if any(guards(app.view_functions[url_rule.endpoint]))
        for method in sorted((url_rule.methods or set()) - {"HEAD", "OPTIONS"})
        if (url_rule.endpoint, method) not in listed and (method, url_rule.rule) not in STAFF_TABLE
    )

    assert not missing, "add a Rule to RULES in tests/test_access_rules.py for:\n" + "\n".join(missing)


def test_every_rule_names_a_real_route(app: Flask) -> None:
    adapter = app.url_map.bind("localhost")
    for rule in RULES:
        endpoint, _ = adapter.match(rule.path, method=rule.method)
        assert endpoint == rule.endpoint, rule.id


@pytest.fixture
def act_as(
    client: FlaskClient, auth: AuthActions, make_user: Callable[..., User]
) -> Callable[[str, str], Any]:
    """Log in as a new user of `role` the way the route expects; returns request headers."""

    def act(role: str, path: str) -> dict[str, str]:
        if role == "anonymous":
            return {}
        user = make_user(role=role)
        if path.startswith("/api/"):
            return auth.headers(user)
        auth.login_as(user)
        return {}

    return act


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_access_rule(client: FlaskClient, act_as: Callable[[str, str], Any], rule: Rule, role: str) -> None:
    headers = act_as(role, rule.path)

    response = client.open(rule.path, method=rule.method, headers=headers)

    location = response.headers.get("Location", "")
    if role in rule.allowed:
        assert response.status_code not in (401, 403), f"{role} must be allowed"
        assert not location.startswith("/account/login"), f"{role} must not be sent to log in"
        assert response.status_code < 500, response.get_data(as_text=True)[:500]
    elif role != "anonymous":
        assert response.status_code == 403, f"{role} must be refused"
    elif rule.anonymous == "login":
        assert response.status_code == 302
        assert location.startswith("/account/login?next=")
    else:
        assert response.status_code == 401
        if rule.path.startswith("/api/"):
            assert response.get_json()["error"]["code"] == "unauthenticated"
