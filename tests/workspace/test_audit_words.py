"""The audit and moderation logs in words, with filters by actor, action and dates, a page at a time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from app.extensions import db
from app.models import AuditEntry, User
from app.services.workspace.audit_phrases import Facts
from app.services.workspace.audit_words import RENDERERS, describe, describe_moderation
from tests.conftest import AuthActions

NAMES = {"planned": "Planned", "in-progress": "In progress", "new": "New", "acknowledged": "Acknowledged"}


@pytest.mark.parametrize(
    ("action", "target_type", "target_id", "details", "words"),
    [
        (
            "status.move",
            "status",
            "planned",
            {"direction": "up", "order": ["new", "planned", "in-progress"]},
            "moved status Planned above In progress",
        ),
        (
            "status.move",
            "status",
            "planned",
            {"direction": "down", "order": ["new", "in-progress", "planned"]},
            "moved status Planned below In progress",
        ),
        (
            "status.change",
            "issue",
            "321",
            {"from_status": "new", "to_status": "planned", "note": "Booked."},
            "moved #321 from New to Planned: Booked.",
        ),
        (
            "status.bulk_change",
            "issues",
            "1,2",
            {"issue_ids": [1, 2], "unchanged_ids": [3], "to_status": "acknowledged", "note": "Seen."},
            "moved 2 problems (#1, #2) to Acknowledged, leaving 1 that already had it: Seen.",
        ),
        (
            "moderation.hide",
            "photo",
            "9",
            {"issue_id": 321, "field": None, "reason": "spam"},
            "hid a photo on #321: spam",
        ),
        (
            "moderation.unhide",
            "issue",
            "321",
            {"issue_id": 321, "reason": ""},
            "showed the report #321 again",
        ),
        (
            "moderation.edit",
            "issue",
            "321",
            {"issue_id": 321, "field": "title", "reason": "name"},
            "edited the title of the report #321: name",
        ),
        (
            "issue.duplicate",
            "issue",
            "5",
            {"original_id": 4, "likes_moved": 1, "followers_added": 2},
            "closed #5 as a duplicate of #4 (1 like and 2 followers moved)",
        ),
        (
            "flags.dismiss",
            "update",
            "7",
            {"issue_id": 3, "flags": 2, "reason": ""},
            "dismissed 2 flags on an update on #3",
        ),
        (
            "issue.assign",
            "issue",
            "8",
            {"assignee": "Team: Roads", "previous": "Omar"},
            "assigned #8 to Team: Roads (was Omar)",
        ),
        ("note.add", "issue", "8", {"note_id": 1, "characters": 20}, "wrote an internal note on #8"),
        (
            "target.set",
            "category",
            "pothole",
            {"name": "Pothole", "days": 3},
            "set the target time of Pothole to 3 days",
        ),
        (
            "domain.block",
            "domain",
            "spam.example",
            {"reason": "", "accounts_blocked": 1},
            "blocked the email domain spam.example (1 account blocked with it)",
        ),
        ("round.fund", "issue", "8", {"round_id": 2, "amount_cents": 125000}, "funded #8 with"),
        # The money acts of officials and treasurers, in words rather than codes and counts of cents.
        (
            "issue.payout",
            "issue",
            "69",
            {
                "payout_id": 2,
                "posting_id": 58,
                "amount_cents": 4000,
                "payee_kind": "contractor",
                "payee_name": "Lumen Electrics Ltd",
                "invoice_ref": "INV-1",
                "paid_on": "2026-12-01",
            },
            "recorded a payout of 40.00 on #69 to Lumen Electrics Ltd (contractor), invoice INV-1,"
            " paid on 2026-12-01",
        ),
        (
            "issue.return",
            "issue",
            "69",
            {"amount_cents": 1500, "parts": {"pool:1": 1500}, "posting_ids": [60]},
            "returned the 15.00 not paid out on #69 to where the money came from",
        ),
        (
            "round.tally",
            "round",
            "3",
            {"result": "provisional", "ballots": 1, "budget_cents": 11000, "spent_cents": 0, "funded": []},
            "tallied round 3 from 1 ballot: a provisional result spending 0.00 of 110.00 on 0 problems",
        ),
        (
            "round.certify",
            "round",
            "1",
            {"spent_cents": 9500, "leftover_cents": 11000, "funded": [69]},
            "certified the result of round 1: 95.00 to 1 problem (#69), 110.00 not spent",
        ),
        # Found from outside: where unspent money went and the city's match were in no entry.
        (
            "round.certify",
            "round",
            "1",
            {
                "spent_cents": 9500,
                "leftover_cents": 4333,
                "leftover_to": "refund",
                "matched_cents": 2500,
                "funded": [69],
                "currency": "EUR",
            },
            "certified the result of round 1: EUR 95.00 to 1 problem (#69), EUR 43.33 not spent, refunded to"
            " the pool's pledgers; the city's match added EUR 25.00",
        ),
        (
            "round.create",
            "round",
            "4",
            {
                "group_id": 4,
                "eligibility": "members",
                "rule": "greedy",
                "ballot": "approval",
                "leftover": "rollover",
                "match": [1, 2, 2500],
                "currency": "EUR",
            },
            "created round 4 in group 4: rule greedy, approval ballot, money not spent kept for the next"
            " round, city match 1:2 up to EUR 25.00",
        ),
        (
            "matching_period.close",
            "matching_period",
            "1",
            {"matched_cents": 111695, "problems": 3, "postings": 3, "currency": "EUR"},
            "closed matching period 1: the city's fund matched EUR 1,116.95 to 3 problems",
        ),
        (
            "round.send_back",
            "round",
            "3",
            {"reason": "Costs changed."},
            "sent the result of round 3 back: Costs changed.",
        ),
        ("round.cancel", "round", "3", {"reason": "Too few votes."}, "cancelled round 3: Too few votes."),
        (
            "round.create",
            "round",
            "3",
            {"group_id": 1, "eligibility": "members"},
            "created round 3 in group 1",
        ),
        (
            "round.phase",
            "round",
            "3",
            {"phase": "pledging", "by": "hand"},
            "moved round 3 to its pledging phase",
        ),
        ("round.phase", "round", "3", {"phase": "closed", "by": "hand"}, "closed round 3"),
        (
            "round.voting_close",
            "round",
            "3",
            {"by": "hand", "ballots": 4},
            "closed voting in round 3 after 4",
        ),
        ("round.release", "round", "3", {"ballots": 2, "min_turnout": 5}, "released the tally of round 3"),
        (
            "backing.confirm",
            "backing",
            "7",
            {"issue_id": 12, "amount_cents": 500, "reference": "CF-7"},
            "confirmed backing CF-7 of 5.00 for #12",
        ),
        (
            "pledge.withdraw",
            "pledge",
            "9",
            {"pool_id": 2, "amount_cents": 750, "currency": "EUR"},
            "withdrew their pledge 9 of EUR 7.50 to pool 2 before its money was confirmed",
        ),
        (
            "area.rename",
            "area",
            "5",
            {"by": "command", "before": "Elm Prak", "name": "Elm Park", "slug": "elm-park"},
            "renamed the area Elm Prak to Elm Park",
        ),
        (
            "matching_period.create",
            "matching_period",
            "1",
            {"name": "Winter", "fund_cents": 100000},
            "created the matching period Winter with a fund of 1,000.00",
        ),
    ],
)
def test_each_action_reads_as_a_sentence(
    action: str, target_type: str, target_id: str, details: dict[str, Any], words: str
) -> None:
    assert action in RENDERERS
    assert describe(Facts(action, target_type, target_id, details), NAMES).text.startswith(words)


def test_unknown_actions_and_odd_details_fall_back_to_plain_words() -> None:
    unknown = describe(Facts("pool.archive", "pool", "4", {"ids": [1, 2], "why": "end of year"}), NAMES)
    assert unknown.text == "did “pool.archive” on pool 4 (ids 1, 2; why end of year)"
    assert "[" not in unknown.text
    odd = describe(Facts("issue.duplicate", "issue", "5", {"likes_moved": "lots"}), NAMES)
    assert odd.text.startswith("did “Closed as duplicate” on #5")
    assert odd.issue_id == 5
    paper = describe(
        Facts("round.paper_entry", "round", "3", {"paper_ballot": 7, "entry": 2, "status": "agreed"}), NAMES
    )
    assert paper.text == "did “Paper ballot entered” on round 3 (paper ballot 7; entry 2; status agreed)"


def test_moderation_rows_read_too() -> None:
    assert describe_moderation("hide", "photo", 321, None, "spam") == "hid a photo on #321: spam"
    assert (
        describe_moderation("edit", "issue", 12, "description", "")
        == "edited the description of the report #12"
    )


def _backdate(app: Flask, action: str, when: datetime) -> None:
    with app.app_context():
        db.session.execute(update(AuditEntry).where(AuditEntry.action == action).values(created_at=when))
        db.session.commit()


def test_the_audit_page_filters_by_actor_action_and_dates_and_keeps_them_across_pages(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_issue: Callable[..., Any],
    make_user: Callable[..., User],
) -> None:
    issue = make_issue()
    olivia = make_user(role="official", display_name="Olivia")
    omar = make_user(role="official", display_name="Omar")
    for who, note in ((olivia, "first"), (omar, "second")):
        auth.login_as(who)
        client.post(f"/staff/issues/{issue.id}/notes", data={"body": note})
    for n in range(110):  # 55 assignments, each followed by an unassignment
        client.post(
            f"/staff/issues/{issue.id}/assign", data={"assignee": f"user:{olivia.id}" if n % 2 else ""}
        )
    _backdate(app, "note.add", datetime(2026, 1, 10, 12, 0))
    auth.login_as(make_user(role="admin"))

    by_olivia = client.get(f"/staff/admin/audit?actor={olivia.id}").get_data(as_text=True)
    assert "<strong>Olivia</strong> wrote an internal note" in by_olivia
    assert "<strong>Omar</strong>" not in by_olivia
    notes = client.get("/staff/admin/audit?action=note.add").get_data(as_text=True)
    assert notes.count('data-action="note.add"') == 2
    assert "2 entries match" in notes
    dated = client.get("/staff/admin/audit?from=2026-01-10&to=2026-01-10").get_data(as_text=True)
    assert dated.count('data-action="note.add"') == 2
    assert 'data-action="issue.assign"' not in dated
    assert "No entry matches" in client.get("/staff/admin/audit?to=2026-01-09").get_data(as_text=True)

    first = client.get("/staff/admin/audit?action=issue.assign").get_data(as_text=True)
    assert "Page 1 of 2" in first
    assert 'href="/staff/admin/audit?page=2&amp;action=issue.assign"' in first
    second = client.get("/staff/admin/audit?action=issue.assign&page=2").get_data(as_text=True)
    assert second.count('data-action="issue.assign"') == 5
    # Past the last page (an old link, a hand-typed number): which pages there are, not "No staff
    # actions yet" under "55 entries match" (found from outside).
    past = client.get("/staff/admin/audit?action=issue.assign&page=9").get_data(as_text=True)
    assert "There is no page 9: there are 2 pages." in past
    assert 'href="/staff/admin/audit?page=2&amp;action=issue.assign">Go to the last page</a>' in past
    assert "No staff actions yet" not in past
    assert "No entry matches" not in past
    for path in ("/staff/admin/audit?page=999999", "/staff/admin/moderation?page=3"):
        page = client.get(path).get_data(as_text=True)
        assert ("There is no page" in page) == ("audit" in path), path  # nothing moderated here


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("action=drop.tables", "Choose an action from the list."),
        ("from=yesterday", "From must be a date like 2026-12-31."),
        ("from=2026-02-01&to=2026-01-01", "To must be on or after From."),
        ("actor=abc", "Who must be a whole number."),
    ],
)
def test_bad_filters_are_named_and_the_log_still_shows(
    client: FlaskClient, auth: AuthActions, make_user: Callable[..., User], query: str, message: str
) -> None:
    auth.login_as(make_user(role="admin"))
    for path in ("/staff/admin/audit", "/staff/admin/moderation"):
        if "drop" in query and "moderation" in path:
            continue
        response = client.get(f"{path}?{query}")
        assert response.status_code == 422, path
        assert message in response.get_data(as_text=True), path


def test_a_refused_log_filter_keeps_what_was_typed(
    client: FlaskClient, auth: AuthActions, make_user: Callable[..., User]
) -> None:
    auth.login_as(make_user(role="admin"))
    for path in ("/staff/admin/audit", "/staff/admin/moderation"):
        page = client.get(f"{path}?from=2026-02-01&to=2026-01-01").get_data(as_text=True)
        assert '<a href="#log-to">To must be on or after From.</a>' in page, path
        assert 'name="from" value="2026-02-01">' in page, path
        assert 'name="to" value="2026-01-01" aria-invalid="true" aria-describedby="error-summary">' in page, (
            path
        )


def test_the_moderation_log_reads_in_words_and_filters_by_action(
    client: FlaskClient, auth: AuthActions, make_issue: Callable[..., Any], make_user: Callable[..., User]
) -> None:
    issue = make_issue()
    auth.login_as(make_user(role="official", display_name="Olivia"))
    client.post(f"/staff/issues/{issue.id}/hide", data={"reason": "spam"})
    client.post(f"/staff/issues/{issue.id}/unhide", data={"reason": ""})
    auth.login_as(make_user(role="admin"))
    log = client.get("/staff/admin/moderation").get_data(as_text=True)
    assert f"<strong>Olivia</strong> hid the report #{issue.id}: spam" in log
    assert f"<strong>Olivia</strong> showed the report #{issue.id} again" in log
    hides = client.get("/staff/admin/moderation?action=hide").get_data(as_text=True)
    assert "hid the report" in hides
    assert "showed the report" not in hides
