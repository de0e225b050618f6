"""Atom feeds: valid Atom 1.0 documents with the right entries, escaped, without hidden items."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from app.extensions import db
from app.models import Issue, IssueEvent, User
from tests.testcity import OLD_TOWN, RIVERSIDE
from tests.workspace.conftest import Stamp

MakeIssue = Callable[..., Issue]
A = "{http://www.w3.org/2005/Atom}"
T0 = datetime(2026, 5, 1, 12, 0, 0)


def parse(response: object) -> ET.Element:
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert response.mimetype == "application/atom+xml"  # type: ignore[attr-defined]
    root = ET.fromstring(response.get_data())  # type: ignore[attr-defined]
    assert root.tag == f"{A}feed"
    # RFC 4287: a feed has exactly one id, title, updated; each entry one id, title, updated.
    for tag in ("id", "title", "updated"):
        assert len(root.findall(f"{A}{tag}")) == 1
    assert root.find(f"{A}link[@rel='self']") is not None
    for entry in root.findall(f"{A}entry"):
        for tag in ("id", "title", "updated"):
            assert len(entry.findall(f"{A}{tag}")) == 1
        assert entry.find(f"{A}author/{A}name") is not None
        datetime.strptime(entry.findtext(f"{A}updated") or "", "%Y-%m-%dT%H:%M:%SZ")
    return root


def titles(root: ET.Element) -> list[str]:
    return [e.findtext(f"{A}title") or "" for e in root.findall(f"{A}entry")]


@pytest.fixture
def reported(make_issue: MakeIssue, stamp: Stamp) -> dict[str, int]:
    old = make_issue(place=OLD_TOWN, title="Bins <overflowing> & smelly", created_at=T0)
    river = make_issue(
        place=RIVERSIDE, title="River lamp", created_at=T0 + timedelta(hours=1), hide_name=True
    )
    hidden = make_issue(place=OLD_TOWN, title="Spam", created_at=T0 + timedelta(hours=2))
    stamp(hidden.id, is_hidden=True)
    return {"old": old.id, "river": river.id, "hidden": hidden.id}


def test_city_feed_lists_newest_first_without_hidden(client: FlaskClient, reported: dict[str, int]) -> None:
    root = parse(client.get("/feeds/issues.atom"))

    assert titles(root) == ["River lamp (Riverside)", "Bins <overflowing> & smelly (Old Town)"]
    first = root.find(f"{A}entry")
    assert first is not None
    assert first.findtext(f"{A}id") == f"http://localhost/issues/{reported['river']}"
    assert first.findtext(f"{A}author/{A}name") == "A resident"  # the reporter hid their name
    assert root.findtext(f"{A}updated") == "2026-05-01T13:00:00Z"


def test_area_feed(client: FlaskClient, reported: dict[str, int], city: dict[str, int]) -> None:
    root = parse(client.get(f"/feeds/areas/{city['Old Town']}.atom"))
    assert titles(root) == ["Bins <overflowing> & smelly (Old Town)"]
    assert "Old Town" in (root.findtext(f"{A}title") or "")
    empty = parse(client.get(f"/feeds/areas/{city['Hillside']}.atom"))
    assert titles(empty) == []
    assert client.get("/feeds/areas/999999.atom").status_code == 404


def test_issue_feed_shows_public_timeline(
    app: Flask, client: FlaskClient, reported: dict[str, int], make_user: Callable[..., User]
) -> None:
    official = make_user(role="official", display_name="Olivia")
    issue_id = reported["old"]
    with app.app_context():
        db.session.add_all(
            [
                IssueEvent(
                    issue_id=issue_id,
                    actor_id=official.id,
                    kind="status",
                    from_status="new",
                    to_status="acknowledged",
                    note="We <will> fix it.",
                    by_staff=True,
                    created_at=T0 + timedelta(days=1),
                ),
                IssueEvent(
                    issue_id=issue_id,
                    actor_id=official.id,
                    kind="moderation",
                    note="staff only",
                    is_public=False,
                    created_at=T0 + timedelta(days=2),
                ),
                IssueEvent(
                    issue_id=issue_id,
                    actor_id=official.id,
                    kind="update",
                    note="rude update",
                    is_hidden=True,
                    created_at=T0 + timedelta(days=3),
                ),
            ]
        )
        db.session.commit()

    root = parse(client.get(f"/feeds/issues/{issue_id}.atom"))

    assert titles(root) == ["New → Acknowledged", "Bins <overflowing> & smelly (Old Town)"]
    status_entry = root.find(f"{A}entry")
    assert status_entry is not None
    assert status_entry.findtext(f"{A}summary") == "We <will> fix it."
    assert status_entry.findtext(f"{A}author/{A}name") == "City staff"
    body = client.get(f"/feeds/issues/{issue_id}.atom").get_data(as_text=True)
    assert "staff only" not in body
    assert "rude update" not in body
    assert "&lt;will&gt;" in body


def test_the_report_entry_of_an_issue_feed_does_not_carry_todays_status(
    client: FlaskClient, reported: dict[str, int], stamp: Stamp
) -> None:
    """Found from outside: the report's entry, dated when it was made, read "· In progress"."""
    stamp(reported["old"], status="in-progress")

    own = parse(client.get(f"/feeds/issues/{reported['old']}.atom")).findall(f"{A}entry")[-1]
    city = [
        e
        for e in parse(client.get("/feeds/issues.atom")).findall(f"{A}entry")
        if "Bins" in (e.findtext(f"{A}title") or "")
    ]

    assert (own.findtext(f"{A}summary") or "").split("\n")[0].endswith(" · Reported")
    assert (city[0].findtext(f"{A}summary") or "").split("\n")[0].endswith(" · In progress")


def test_a_status_change_updates_the_city_feed_entry_that_shows_it(
    app: Flask, client: FlaskClient, reported: dict[str, int]
) -> None:
    """Found from outside: the city feed's entry showed the new status but kept the report's date as
    its <updated>, so a feed reader never showed the change. A public update alone changes nothing the
    entry shows; the report's own entry in its issue feed keeps its date."""
    issue_id = reported["old"]
    with app.app_context():
        db.session.add_all(
            [
                IssueEvent(
                    issue_id=issue_id, kind="update", note="Still there", created_at=T0 + timedelta(days=1)
                ),
                IssueEvent(
                    issue_id=issue_id,
                    kind="status",
                    from_status="new",
                    to_status="acknowledged",
                    by_staff=True,
                    created_at=T0 + timedelta(days=2),
                ),
                IssueEvent(
                    issue_id=issue_id, kind="update", note="Thanks", created_at=T0 + timedelta(days=3)
                ),
            ]
        )
        db.session.commit()

    def entry(root: ET.Element, title: str) -> ET.Element:
        return next(e for e in root.findall(f"{A}entry") if (e.findtext(f"{A}title") or "").startswith(title))

    city = parse(client.get("/feeds/issues.atom"))
    bins = entry(city, "Bins")
    assert bins.findtext(f"{A}updated") == "2026-05-03T12:00:00Z"
    assert bins.findtext(f"{A}published") == "2026-05-01T12:00:00Z"
    assert entry(city, "River lamp").findtext(f"{A}updated") == "2026-05-01T13:00:00Z"
    assert city.findtext(f"{A}updated") == "2026-05-03T12:00:00Z"
    own = parse(client.get(f"/feeds/issues/{issue_id}.atom")).findall(f"{A}entry")[-1]
    assert own.findtext(f"{A}updated") == own.findtext(f"{A}published") == "2026-05-01T12:00:00Z"


def test_a_correction_updates_the_entry_and_a_staff_only_act_does_not(
    app: Flask, client: FlaskClient, reported: dict[str, int], make_user: Callable[..., User]
) -> None:
    """Found from outside: a reporter's correction changed the entry's title but never its <updated>,
    while a moderator hiding an update (nothing the entry shows) moved it."""
    from app.services.issues import own_reports
    from app.services.workflow import moderation

    def bins_updated() -> str | None:
        entries = parse(client.get("/feeds/issues.atom")).findall(f"{A}entry")
        return next(e for e in entries if (e.findtext(f"{A}title") or "").startswith("Bins")).findtext(
            f"{A}updated"
        )

    official = make_user(role="official")
    issue_id = reported["old"]
    assert bins_updated() == "2026-05-01T12:00:00Z"
    with app.app_context():
        reporter = db.session.get(Issue, issue_id).reporter  # type: ignore[union-attr]
        assert reporter is not None
        own_reports.correct(db.session, reporter, issue_id, "Bins overflowing on the square", "Every day.")
        db.session.commit()
        edited = db.session.get(Issue, issue_id).edited_at  # type: ignore[union-attr]
    assert edited is not None
    assert bins_updated() == edited.strftime("%Y-%m-%dT%H:%M:%SZ")
    with app.app_context():  # back a day, so that a later act moving <updated> would show
        db.session.execute(update(Issue).where(Issue.id == issue_id).values(edited_at=T0 + timedelta(days=1)))
        db.session.commit()
    corrected = "2026-05-02T12:00:00Z"
    assert bins_updated() == corrected
    # The report's own entry in its issue feed too (found from outside: new words, old <updated>).
    own = parse(client.get(f"/feeds/issues/{issue_id}.atom")).findall(f"{A}entry")[-1]
    assert own.findtext(f"{A}title", "").startswith("Bins overflowing on the square")
    assert own.findtext(f"{A}updated") == corrected
    assert own.findtext(f"{A}published") == "2026-05-01T12:00:00Z"

    with app.app_context():
        update_event = IssueEvent(issue_id=issue_id, kind="update", note="Still there", is_public=True)
        db.session.add(update_event)
        db.session.commit()
        actor = db.session.get(User, official.id)
        assert actor is not None
        moderation.set_update_hidden(db.session, actor, update_event.id, True, reason="Off topic")
        db.session.commit()
    assert bins_updated() == corrected


def test_hidden_or_missing_issue_has_no_feed(client: FlaskClient, reported: dict[str, int]) -> None:
    assert client.get(f"/feeds/issues/{reported['hidden']}.atom").status_code == 404
    assert client.get("/feeds/issues/999999.atom").status_code == 404


def test_control_characters_do_not_break_the_xml(
    app: Flask, client: FlaskClient, make_issue: MakeIssue
) -> None:
    issue = make_issue()
    # Reporting refuses control characters now; rows stored before that rule may still hold them.
    with app.app_context():
        db.session.execute(
            update(Issue)
            .where(Issue.id == issue.id)
            .values(title="Bell\x07 rings", description="Odd\x0b text")
        )
        db.session.commit()
    root = parse(client.get("/feeds/issues.atom"))
    assert titles(root) == ["Bell rings (Old Town)"]


def test_a_feed_reader_revalidates_with_its_etag(
    client: FlaskClient, reported: dict[str, int], make_issue: MakeIssue
) -> None:
    first = client.get("/feeds/issues.atom")
    etag = first.headers.get("ETag")
    assert etag
    again = client.get("/feeds/issues.atom", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""
    make_issue(place=OLD_TOWN, title="New hole", created_at=T0 + timedelta(hours=3))
    changed = client.get("/feeds/issues.atom", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert "New hole (Old Town)" in titles(parse(changed))


def test_an_empty_feed_keeps_its_etag_as_time_passes(client: FlaskClient, city: dict[str, int]) -> None:
    # Nothing reported: the feed's <updated> is no moment in particular, not "now", so its body and ETag
    # stay the same and a feed reader polling it gets 304s.
    urls = ("/feeds/issues.atom", f"/feeds/areas/{city['Hillside']}.atom")
    first = {url: client.get(url) for url in urls}
    for response in first.values():
        assert titles(parse(response)) == []
        assert parse(response).findtext(f"{A}updated") == "1970-01-01T00:00:00Z"
    time.sleep(1.1)  # the feeds' times are written to the second
    for url, response in first.items():
        again = client.get(url, headers={"If-None-Match": response.headers["ETag"]})
        assert again.status_code == 304, url


@pytest.mark.config(PUBLIC_URL="https://fix.example.org")
def test_a_spoofed_host_never_reaches_a_cacheable_feeds_links(
    client: FlaskClient, reported: dict[str, int]
) -> None:
    # Feeds are kept by shared caches for 5 minutes: a link built from the request's Host header would
    # hand one client's forged host to every reader. Links come from PUBLIC_URL.
    spoofed = {"Host": "attacker.example"}
    for url in ("/feeds/issues.atom", "/open311/v2/requests.json", "/open311/v2/discovery.json"):
        body = client.get(url, headers=spoofed).get_data(as_text=True)
        assert "attacker.example" not in body, url
    assert "https://fix.example.org/issues/" in client.get("/feeds/issues.atom", headers=spoofed).get_data(
        as_text=True
    )
