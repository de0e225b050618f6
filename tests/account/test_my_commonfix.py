"""My Commonfix: the account page and API list the resident's things; reporters follow their reports;
"Download my data" is a ZIP holding the account's report, photo and like, and nobody else's."""

# ruff: noqa: F811  (fixtures are imported, then requested by name)

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from app.extensions import db
from app.models import CensusEntry, CensusUpload, Follow, Issue, User, VotingCode, VotingCodeBatch
from app.models.timestamps import utcnow
from app.photo_stores import photo_settings
from app.services.funding import groups
from app.services.issues import likes, reports
from app.services.issues.notifications import Subscription, read_unsubscribe_token
from app.services.mydata import export
from tests import factories
from tests.backing_fixtures import Backers, backers  # noqa: F401
from tests.conftest import AuthActions
from tests.funding_fixtures import Funding, funding  # noqa: F401
from tests.images import jpeg_with_gps
from tests.testcity import OLD_TOWN


def report_with_photo(app: Flask, user: User, title: str) -> tuple[int, str]:
    with app.app_context():
        issue = reports.create_issue(
            db.session,
            db.session.get(User, user.id),
            lat=OLD_TOWN.lat,
            lon=OLD_TOWN.lon,
            category="pothole",
            title=title,
            description="Deep hole.",
            photo=jpeg_with_gps(),
            photo_settings=photo_settings(),
        )
        db.session.commit()
        return issue.id, issue.photos[0].filename


def test_reporters_follow_their_own_report_and_hear_when_it_is_fixed(
    app: Flask, client: FlaskClient, auth: AuthActions, make_user: Callable[..., Any]
) -> None:
    reporter = make_user()
    response = client.post(
        "/api/v1/issues",
        json={
            "lat": OLD_TOWN.lat,
            "lon": OLD_TOWN.lon,
            "category": "pothole",
            "title": "Hole",
            "description": "Deep.",
        },
        headers=auth.headers(reporter),
    )
    assert response.status_code == 201, response.get_json()
    issue_id = response.get_json()["properties"]["id"]
    with app.app_context():
        assert db.session.scalars(select(Follow.user_id).where(Follow.issue_id == issue_id)).all() == [
            reporter.id
        ]
    official = make_user(role="official")
    changed = client.post(
        f"/api/v1/issues/{issue_id}/status",
        json={"status": "fixed", "note": "Filled."},
        headers=auth.headers(official),
    )
    assert changed.status_code == 200, changed.get_json()
    mails = [p.read_text() for p in Path(app.config["MAIL_OUTBOX_DIR"]).glob("*.eml")]
    assert any(f"To: {reporter.email}" in m and "is now Fixed" in m for m in mails)


def test_the_menu_links_to_my_commonfix_which_lists_my_things(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_issue: Callable[..., Any],
    make_user: Callable[..., Any],
    funding: Funding,
) -> None:
    me = make_user(display_name="Ada Resident")
    ref = funding.group("Old Town", name="Old Town Fixers")
    funding.member(ref)  # someone else
    with app.app_context():
        from app.services.funding import groups

        groups.join(db.session, db.session.get(User, me.id), ref.group_id)
        db.session.commit()
    funding.pledge(ref, me, 500, confirm=False)
    mine, _photo = report_with_photo(app, me, "My pothole")
    liked = make_issue(title="Liked streetlight")
    make_issue(title="Someone else's problem")
    with app.app_context():
        likes.like(db.session, db.session.get(User, me.id), liked.id)
        db.session.commit()
    token = auth.token(me.email)

    auth.login_as(me)
    home = client.get("/").get_data(as_text=True)
    assert 'href="/account"' in home
    page = client.get("/account")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for expected in (
        "My pothole",
        "Liked streetlight",
        "EUR 5.00",
        "Waiting for the treasurer",
        "Old Town Fixers",
        "Unfollow",
        f"/follows/issues/{mine}/unfollow",
        "Download my data",
        "Delete my account",
        "status-badge status-badge--open",
    ):
        assert expected in text, expected
    assert "Someone else&#39;s problem" not in text
    assert "Token #" in text

    api = client.get("/api/v1/account", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert api["profile"]["display_name"] == "Ada Resident"
    assert [r["title"] for r in api["reports"]] == ["My pothole"]
    assert [r["title"] for r in api["likes"]] == ["Liked streetlight"]
    assert [r["id"] for r in api["followed_issues"]] == [mine]
    assert [(p["amount_cents"], p["status"]) for p in api["pledges"]] == [(500, "pending")]
    assert [g["name"] for g in api["groups"]] == ["Old Town Fixers"]
    assert len(api["tokens"]) == 1


@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_one_tap_unfollow_needs_the_csrf_token_and_returns_to_the_page(
    app: Flask, client: FlaskClient, auth: AuthActions, make_user: Callable[..., Any]
) -> None:
    me = make_user()
    issue_id, _ = report_with_photo(app, me, "Followed one")
    auth.login_as(me)
    url = f"/follows/issues/{issue_id}/unfollow?next=/account%23follows"
    assert client.post(url).status_code == 400
    done = client.post(url, data={"csrf_token": auth.csrf_token()})
    assert done.status_code == 302
    assert done.headers["Location"] == "/account#follows"
    assert "You follow no problem or neighbourhood." in client.get("/account").get_data(as_text=True)


def test_the_data_download_is_a_zip_with_my_report_photo_and_like_and_nothing_of_others(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_issue: Callable[..., Any],
    make_user: Callable[..., Any],
) -> None:
    me, other = make_user(display_name="Export Me"), make_user()
    mine, photo = report_with_photo(app, me, "Exported pothole")
    theirs, their_photo = report_with_photo(app, other, "Not mine")
    liked = make_issue(title="Liked one")
    with app.app_context():
        likes.like(db.session, db.session.get(User, me.id), liked.id)
        db.session.commit()

    for response in (
        client.get("/api/v1/account/export", headers=auth.headers(me)),
        (auth.login_as(me), client.post("/account/export"))[1],
    ):
        assert response.status_code == 200
        assert response.mimetype == "application/zip"
        assert "attachment; filename=commonfix-my-data-" in response.headers["Content-Disposition"]
        archive = zipfile.ZipFile(io.BytesIO(response.data))
        assert archive.testzip() is None
        names = set(archive.namelist())
        assert {"README.txt", "data.json", f"photos/{photo}"} <= names
        assert f"photos/{their_photo}" not in names
        data = json.loads(archive.read("data.json"))
        assert data["profile"]["email"] == me.email
        assert [(r["id"], r["title"]) for r in data["reports"]] == [(mine, "Exported pothole")]
        assert data["reports"][0]["photos"][0]["file"] == f"photos/{photo}"
        assert [like["issue_id"] for like in data["likes"]] == [liked.id]
        assert theirs not in [f["issue_id"] for f in data["follows"]]
        assert "data.json" in archive.read("README.txt").decode()
        stored = Path(app.config["UPLOAD_FOLDER"]) / photo
        assert archive.read(f"photos/{photo}") == stored.read_bytes()


def test_the_account_pages_and_api_need_a_login(app: Flask, client: FlaskClient) -> None:
    assert client.get("/account").status_code == 302
    assert client.post("/account/export").status_code == 302
    assert client.get("/api/v1/account").status_code == 401
    assert client.get("/api/v1/account/export").status_code == 401
    assert client.delete("/api/v1/account", json={"password": "whatever-it-is"}).status_code == 401
    privacy = client.get("/privacy")
    assert privacy.status_code == 200
    assert "What, why, and for how long" in privacy.get_data(as_text=True)
    contact = client.application.config["CITY_CONTACT"].replace("'", "&#39;")  # whom to ask (found outside)
    assert f"that you cannot make here: {contact}." in privacy.get_data(as_text=True)
    assert 'href="/privacy"' in client.get("/groups").get_data(as_text=True)


# Where the privacy page speaks of each section of the download (data.json).
PRIVACY_WORDS = {
    "profile": "Your account",
    "reports": "Reports, updates and photos",
    "updates": "Reports, updates and photos",
    "likes": "Which problems you like",
    "follows": "which problems and neighbourhoods you follow",
    "pledges": "Your pledges",
    "refunds": "your refund parts",
    "backings": "your backings",
    "returned": "your parts of fixes' unspent money",
    "ballots": "your ballots",
    "memberships": "Your group memberships",
    "flags": "what you flagged for moderators",
    "census": "census list",
    "voting_codes": "voting codes you used online",
    "api_tokens": "API tokens",
    "logins": "Each login on a device",
    "audit_entries": "The audit log",
    "mails": "A copy of each email we send you",
}


def test_the_privacy_page_speaks_of_every_section_of_the_download(
    app: Flask, client: FlaskClient, make_user: Callable[..., User]
) -> None:
    user = make_user()
    with app.app_context():
        data, _photos = export.account_data(db.session, db.session.get(User, user.id))
    sections = {key for key, value in data.items() if isinstance(value, (list, dict))}
    page = client.get("/privacy").get_data(as_text=True)
    # A new section of the download needs its words here, and on the page.
    assert sections == set(PRIVACY_WORDS)
    assert [key for key, words in PRIVACY_WORDS.items() if words not in page] == []


def test_the_reporter_of_a_duplicate_hears_it_was_merged(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_issue: Callable[..., Any],
    make_user: Callable[..., Any],
) -> None:
    original = make_issue(title="Light out on Elm")
    reporter = make_user()
    duplicate_id, _ = report_with_photo(app, reporter, "Elm street light dark")
    response = client.post(
        f"/api/v1/issues/{duplicate_id}/duplicate-of",
        json={"original_id": original.id},
        headers=auth.headers(make_user(role="official")),
    )
    assert response.status_code == 200, response.get_json()
    mails = [
        message_from_bytes(p.read_bytes(), policy=policy.default)
        for p in Path(app.config["MAIL_OUTBOX_DIR"]).glob("*.eml")
    ]
    to_reporter = [m for m in mails if m["To"] == reporter.email]
    assert len(to_reporter) == 1
    assert to_reporter[0]["Subject"] == f"“Elm street light dark” was merged into problem #{original.id}"
    # Found from outside: its one-click link ended the follow of the closed duplicate, so the mail it
    # announced, the original's, kept coming. It ends the follow of the original.
    token = str(to_reporter[0]["List-Unsubscribe"]).strip("<>").rsplit("/", 1)[1]
    with app.app_context():
        assert read_unsubscribe_token(token) == Subscription(reporter.id, issue_id=original.id)
    # It names the original by its title too (found from outside: only "problem #322").
    assert f"duplicate of problem #{original.id} “{original.title}”" in " ".join(
        to_reporter[0].get_content().split()
    )
    # It links the original, which the reporter now follows instead of the duplicate.
    assert f"See the problem it was merged into: http://localhost/issues/{original.id}" in " ".join(
        to_reporter[0].get_content().split()
    )


def test_my_backings_are_on_my_page_in_the_api_and_in_my_data(
    app: Flask, client: FlaskClient, auth: AuthActions, backers: Backers
) -> None:
    # "Everything Commonfix holds about you" must include the money you put behind single problems.
    me, other = backers.resident(display_name="Backer Me"), backers.resident()
    backers.period()
    problem = backers.problem(title="Broken swing")
    mine = backers.back(me, problem, 700)
    backers.back(other, problem, 300)

    api = client.get("/api/v1/account", headers=auth.headers(me)).get_json()
    assert [(b["id"], b["issue_id"], b["amount_cents"], b["status"]) for b in api["backings"]] == [
        (mine, problem, 700, "held")
    ]
    auth.login_as(me)
    page = client.get("/account").get_data(as_text=True)
    assert 'data-testid="my-backings"' in page
    assert "Broken swing" in page
    assert "Held for the problem" in page
    archive = zipfile.ZipFile(io.BytesIO(client.post("/account/export").data))
    data = json.loads(archive.read("data.json"))
    assert [(b["id"], b["issue_id"], b["amount_cents"], b["status"]) for b in data["backings"]] == [
        (mine, problem, 700, "held")
    ]
    assert data["backings"][0]["if_not_funded"] == "refund"
    assert "backings" in archive.read("README.txt").decode()
    # Once moderators hide the problem, the page names it only as hidden.
    with app.app_context():
        db.session.execute(update(Issue).where(Issue.id == problem).values(is_hidden=True))
        db.session.commit()
    page = client.get("/account").get_data(as_text=True)
    assert "Broken swing" not in page
    assert "A problem hidden by the moderators" in page


def test_my_data_holds_my_logins_settings_census_verification_and_voting_code(
    app: Flask, client: FlaskClient, auth: AuthActions, make_user: Callable[..., Any]
) -> None:
    me, other = make_user(), make_user()
    with app.app_context():
        round_id, _, _, _ = factories.voting_round(
            db.session, "Codes", "codes.example.org", 1, (1000,), ballot="approval", rule="greedy"
        )
        upload = CensusUpload(
            area_id=groups.area_id_by_name(db.session, "Old Town"), salt="00" * 32, entries_count=2
        )
        db.session.add(upload)
        db.session.flush()
        batch = VotingCodeBatch(round_id=round_id, count=2, label="Library")
        db.session.add(batch)
        db.session.flush()
        for user_id, n in ((me.id, 1), (other.id, 2)):
            db.session.add(
                CensusEntry(upload_id=upload.id, id_hash=f"{n:064x}", user_id=user_id, verified_at=utcnow())
            )
            db.session.add(
                VotingCode(
                    batch_id=batch.id,
                    round_id=round_id,
                    code_hash=f"{n:064x}",
                    used_at=utcnow(),
                    used_via="online",
                    user_id=user_id,
                )
            )
        found = db.session.get(User, me.id)
        assert found is not None
        found.hide_name_default = True
        db.session.commit()
    client.environ_base["HTTP_USER_AGENT"] = "Mozilla/5.0 (Android 14) Firefox/133.0"
    assert auth.login(me.email).status_code == 302
    auth.logout()
    assert auth.login(me.email).status_code == 302

    response = client.post("/account/export")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    data = json.loads(archive.read("data.json"))
    assert data["profile"]["hide_name_default"] is True
    assert data["profile"]["email_confirmed_at"] is not None
    logins = data["logins"]
    assert [login["device"] for login in logins] == ["Firefox on Android", "Firefox on Android"]
    assert logins[0]["ended_at"] is not None
    assert logins[1]["ended_at"] is None
    assert [(c["area"], c["census_replaced"]) for c in data["census"]] == [("Old Town", False)]
    assert [(c["round_id"], c["used_via"]) for c in data["voting_codes"]] == [(round_id, "online")]
    readme = archive.read("README.txt").decode()
    assert all(f"  {name}" in readme for name in ("logins", "census", "voting_codes"))


def test_my_page_points_a_treasurer_at_pledges_to_confirm_and_gives_a_waiting_backings_reference(
    app: Flask, client: FlaskClient, auth: AuthActions, backers: Backers, funding: Funding
) -> None:
    """Found from outside: a treasurer had nothing on My Commonfix pointing at pledges to confirm, and a
    backing waiting for the cashier did not say its payment reference there."""
    ref = funding.group()
    treasurer = funding.member(ref, admin=True)
    for _ in range(2):
        funding.pledge(ref, funding.member(ref), 500, confirm=False)
    funding.pledge(ref, treasurer, 500, confirm=False)  # their own: another admin or the city confirms it
    app.config["PAYMENT_PROVIDER"] = "treasurer-confirmed"
    waiting = client.post(
        f"/api/v1/issues/{backers.problem()}/backings",
        json={"amount_cents": 500},
        headers={**auth.headers(treasurer), "Idempotency-Key": "w"},
    ).get_json()
    auth.login_as(treasurer)

    page = client.get("/account").get_data(as_text=True)

    assert (
        f'href="/pools/{ref.pool_id}/treasurer" data-testid="pledges-to-confirm">2 pledges to confirm</a>'
        in page
    )
    assert f'pay quoting <span class="backing__ref">CF-B{waiting["id"]}</span>' in page
