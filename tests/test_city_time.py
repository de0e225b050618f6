"""The city's time zone: web forms read typed times in it, pages and messages show times in it with the
zone's abbreviation, storage and the API stay in UTC. Both engines."""

# ruff: noqa: F811  (fixtures are imported, then requested by name)

from __future__ import annotations

import re
from datetime import datetime

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from app.extensions import db
from app.models import Follow, MatchingPeriod, Round
from config import from_environment
from tests.conftest import AuthActions
from tests.funding.round_world import RoundWorld, world  # noqa: F401
from tests.funding_fixtures import funding  # noqa: F401

WARSAW = pytest.mark.config(CITY_TIMEZONE="Europe/Warsaw")
FUTURE = datetime.now().year + 1  # a year whose dates are all ahead of now


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def round_form(**times: str) -> dict[str, str]:
    return {
        "name": "Spring",
        "ballot": "approval",
        "rule": "greedy",
        "top_n": "3",
        "leftover": "rollover",
        "voting": "y",
        **times,
    }


def stored_round(app, round_id: int) -> Round:
    with app.app_context():
        found = db.session.get(Round, round_id)
        assert found is not None
        db.session.expunge(found)
        return found


def test_the_setting_is_checked_at_start() -> None:
    assert from_environment({"CITY_TIMEZONE": " Europe/Warsaw "}) == {"CITY_TIMEZONE": "Europe/Warsaw"}
    for bad in ("Mars/Olympus_Mons", "../../etc/passwd", "CET+1"):
        with pytest.raises(ValueError, match="CITY_TIMEZONE must be a time zone name"):
            from_environment({"CITY_TIMEZONE": bad})


@WARSAW
@pytest.mark.parametrize(
    ("typed", "utc", "shown"),
    [
        # Winter: CET is UTC+1; summer: CEST is UTC+2.
        (f"{FUTURE}-01-15T18:00", f"{FUTURE}-01-15 17:00", f"{FUTURE}-01-15 18:00 CET"),
        (f"{FUTURE}-07-15T18:00", f"{FUTURE}-07-15 16:00", f"{FUTURE}-07-15 18:00 CEST"),
    ],
)
def test_a_typed_closing_time_is_the_citys_and_shown_back_as_typed(
    world: RoundWorld, auth, typed: str, utc: str, shown: str
) -> None:
    world.build(members=1, costs=(1000,))
    api = world.headers(world.admin)  # a token first: the API refuses a cookie session's POST without CSRF
    auth.login(world.admin.email)
    form = world.client.get(f"/groups/{world.ref.group_id}/rounds")
    assert "Voting closes at (Europe/Warsaw time, optional)" in text_of(form)
    created = world.client.post(f"/groups/{world.ref.group_id}/rounds", data=round_form(closes_at=typed))
    assert created.status_code == 302, text_of(created)
    round_id = int(created.headers["Location"].rsplit("/", 1)[1])
    found = stored_round(world.app, round_id)
    assert f"{found.closes_at:%Y-%m-%d %H:%M}" == utc
    page = text_of(world.client.get(f"/rounds/{round_id}"))
    assert shown in page
    assert " UTC" not in page
    # The API and its JSON stay in UTC, for programs.
    listed = world.client.get(f"/api/v1/rounds/{round_id}", headers=api).get_json()
    assert listed["closes_at"] == utc.replace(" ", "T") + ":00Z"


@WARSAW
def test_a_time_the_clocks_skip_is_refused_naming_the_field(world: RoundWorld, auth, count_rows) -> None:
    world.build(members=1, costs=(1000,))
    auth.login(world.admin.email)
    before = count_rows(Round)
    # Clocks in Warsaw go from 02:00 to 03:00 on the last Sunday of March.
    last_sunday = max(day for day in range(25, 32) if datetime(FUTURE, 3, day).weekday() == 6)
    skipped = f"{FUTURE}-03-{last_sunday}T02:30"
    refused = world.client.post(f"/groups/{world.ref.group_id}/rounds", data=round_form(opens_at=skipped))
    assert refused.status_code == 422
    assert f"opens_at: {FUTURE}-03-{last_sunday} 02:30 does not exist in Europe/Warsaw" in text_of(refused)
    assert count_rows(Round) == before


@WARSAW
def test_a_time_the_clocks_repeat_is_read_as_the_summer_one(world: RoundWorld, auth) -> None:
    world.build(members=1, costs=(1000,))
    auth.login(world.admin.email)
    # Clocks in Warsaw go from 03:00 back to 02:00 on the last Sunday of October: 02:30 comes twice.
    last_sunday = max(day for day in range(25, 32) if datetime(FUTURE, 10, day).weekday() == 6)
    created = world.client.post(
        f"/groups/{world.ref.group_id}/rounds",
        data=round_form(closes_at=f"{FUTURE}-10-{last_sunday}T02:30"),
    )
    assert created.status_code == 302
    found = stored_round(world.app, int(created.headers["Location"].rsplit("/", 1)[1]))
    assert f"{found.closes_at:%Y-%m-%d %H:%M}" == f"{FUTURE}-10-{last_sunday} 00:30"


@WARSAW
def test_the_api_still_reads_a_time_without_zone_as_utc(world: RoundWorld) -> None:
    world.build(members=1, costs=(1000,))
    created = world.create(closes_at=f"{FUTURE}-01-15T18:00")
    found = stored_round(world.app, created["id"])
    assert f"{found.closes_at:%H:%M}" == "18:00"


@WARSAW
def test_a_refusal_names_the_time_as_the_city_reads_it(world: RoundWorld) -> None:
    world.build(members=1, costs=(1000,))
    created = world.create(opens_at=f"{FUTURE}-01-15T17:00:00Z")
    world.open_voting(created["id"])  # by hand, ahead of the window
    early = world.vote(world.members[0], created["id"], issue_ids=[world.issues[0]])
    assert early.status_code == 409
    assert f"opens at {FUTURE}-01-15 18:00 CET" in early.get_json()["error"]["message"]


@WARSAW
def test_a_matching_period_typed_on_the_page_closes_at_the_citys_time(
    client: FlaskClient, auth: AuthActions, make_user
) -> None:
    auth.login_as(make_user(role="official"))
    page = client.get("/matching-periods/new")
    assert "Closes at (Europe/Warsaw time): the campaign deadline" in text_of(page)
    created = client.post(
        "/matching-periods/new",
        data={
            "name": "Summer",
            "area_id": "0",
            "closes_at": f"{FUTURE}-07-01T12:00",
            "fund": "100.00",
            "problem_cap": "50.00",
            "backer_cap": "5.00",
        },
    )
    assert created.status_code == 302, text_of(created)
    with client.application.app_context():
        found = db.session.scalars(select(MatchingPeriod)).one()
        assert f"{found.closes_at:%Y-%m-%d %H:%M}" == f"{FUTURE}-07-01 10:00"
    listing = text_of(client.get("/matching-periods"))
    assert f"open until 1 July {FUTURE}, 12:00 CEST" in listing


def test_without_the_setting_times_read_and_show_in_utc(world: RoundWorld, auth) -> None:
    world.build(members=1, costs=(1000,))
    auth.login(world.admin.email)
    created = world.client.post(
        f"/groups/{world.ref.group_id}/rounds", data=round_form(closes_at=f"{FUTURE}-01-15T18:00")
    )
    assert created.status_code == 302
    round_id = int(created.headers["Location"].rsplit("/", 1)[1])
    assert f"{stored_round(world.app, round_id).closes_at:%H:%M}" == "18:00"
    assert f"{FUTURE}-01-15 18:00 UTC" in text_of(world.client.get(f"/rounds/{round_id}"))


def listed_ids(page: str) -> list[int]:
    return [int(found) for found in re.findall(r'name="issue_ids" value="(\d+)"', page)]


@WARSAW
def test_the_dashboards_days_are_the_citys(
    client: FlaskClient, auth: AuthActions, make_user, make_issue
) -> None:
    # 23:30 UTC on 14 January is 00:30 on 15 January in Warsaw.
    late = make_issue(created_at=datetime(FUTURE - 2, 1, 14, 23, 30)).id
    early = make_issue(created_at=datetime(FUTURE - 2, 1, 14, 22, 30)).id  # 23:30 on the 14th in Warsaw
    auth.login_as(make_user(role="official"))
    day = f"{FUTURE - 2}-01-15"
    page = client.get(f"/staff/dashboard?from={day}&to={day}").get_data(as_text=True)
    assert late in listed_ids(page)
    assert early not in listed_ids(page)
    page = client.get(f"/staff/dashboard?to={FUTURE - 2}-01-14").get_data(as_text=True)
    assert early in listed_ids(page)
    assert late not in listed_ids(page)


@WARSAW
@pytest.mark.parametrize(
    ("created", "read", "shown"),
    [
        # 20:00 on the 14th, read at 10:00 on the 15th: 14 hours ago, but yesterday.
        ((1, 14, 19, 0), (1, 15, 9, 0), "14 January {year} (yesterday)"),
        # 00:30 on the 15th in Warsaw (23:30 UTC on the 14th), read at 00:10 on the 16th (23:10 UTC).
        ((1, 14, 23, 30), (1, 15, 23, 10), "15 January {year} (yesterday)"),
        # 23:30 on the 14th in Warsaw, read at 00:10 on the 17th: two days and 40 minutes, three days back.
        ((1, 14, 22, 30), (1, 16, 23, 10), "14 January {year} (3 days ago)"),
        # 09:00 and 23:00 on one Warsaw day.
        ((1, 14, 8, 0), (1, 14, 22, 0), "14 January {year} (today)"),
    ],
)
def test_a_problems_age_counts_the_citys_calendar_days(
    client: FlaskClient, make_issue, monkeypatch: pytest.MonkeyPatch, created, read, shown: str
) -> None:
    year = FUTURE - 2
    issue_id = make_issue(created_at=datetime(year, *created)).id
    monkeypatch.setattr("app.main.formatting.utcnow", lambda: datetime(year, *read))
    page = text_of(client.get(f"/issues/{issue_id}"))
    reported = re.search(r"<dt>Reported</dt><dd>(.*?)</dd>", page)
    assert reported is not None
    assert re.sub(r"<[^>]+>", "", reported.group(1)).strip() == shown.format(year=year)


@pytest.mark.config(CITY_TIMEZONE="America/Adak")
@pytest.mark.parametrize("query", ["from=0001-01-01", "to=9999-12-31", "from=0001-01-01&to=9999-12-31"])
def test_days_at_the_calendars_ends_filter_without_a_500(
    client: FlaskClient, auth: AuthActions, make_user, query: str
) -> None:
    # West of UTC the first day ends after year 1 begins; the last day's end is past 9999 everywhere.
    auth.login_as(make_user(role="admin"))
    for url in ("/staff/dashboard", "/staff/exports/issues.csv", "/staff/admin/audit"):
        response = client.get(f"{url}?{query}")
        response.get_data()
        assert response.status_code == 200, (url, query)


@WARSAW
@pytest.mark.parametrize(
    ("month", "shown"),
    [
        # 08:00 and 15:00 UTC: 09:00 and 16:00 in Warsaw in winter (CET), 10:00 and 17:00 in summer (CEST).
        (1, ("14 January {year}, 09:00 CET", "14 January {year}, 16:00 CET")),
        (7, ("14 July {year}, 10:00 CEST", "14 July {year}, 17:00 CEST")),
    ],
)
def test_status_changes_of_one_day_show_their_times_in_the_timeline_and_the_mail(
    client: FlaskClient,
    auth: AuthActions,
    make_user,
    make_issue,
    outbox,
    monkeypatch: pytest.MonkeyPatch,
    month: int,
    shown: tuple[str, str],
) -> None:
    # Found from outside: "in progress" at 09:00 and "fixed" at 16:00 read as two identical dates.
    year = FUTURE - 2
    started, fixed = (text.format(year=year) for text in shown)
    reporter = make_user(email="rita@example.org")  # a reporter follows their own report
    issue_id = make_issue(reporter=reporter, title="Broken bench").id
    official = auth.headers(role="official")
    for status, hour in (("in-progress", 8), ("fixed", 15)):
        at = datetime(year, month, 14, hour, 0)
        monkeypatch.setattr("app.services.workflow.status_changes.utcnow", lambda at=at: at)
        changed = client.post(
            f"/api/v1/issues/{issue_id}/status", json={"status": status, "note": "Noted."}, headers=official
        )
        assert changed.status_code == 200, changed.get_json()

    page = text_of(client.get(f"/issues/{issue_id}"))
    assert re.findall(r'<span class="timeline__when">.*?<time[^>]*>([^<]*)</time>', page)[-2:] == [
        started,
        fixed,
    ]

    mails = {m["Subject"]: m.get_content() for m in outbox() if m["To"] == "rita@example.org"}
    in_progress = mails["“Broken bench” is now In progress"]
    assert f"\nWhen: {started}\n" in in_progress
    assert "changed from New to In progress." in in_progress  # still plain sentences, one a line
    assert f"\nWhen: {fixed}\n" in mails["“Broken bench” is now Fixed"]


@WARSAW
def test_a_funded_problems_start_mail_shows_its_time_in_the_citys_zone(
    world: RoundWorld, outbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A funded problem's start and fix mail its backers and followers with the money figures instead of
    # the status mail: they carry the time too.
    world.build(members=3, pledges=(1000, 1000, 1000), costs=(3000,))
    rid = world.create(rule="greedy")["id"]
    world.open_voting(rid)
    (issue_id,) = world.issues
    for member in world.members:
        assert world.vote(member, rid, issue_ids=[issue_id]).status_code == 200
    follower = world.make_user(display_name="Fran Follower")
    with world.app.app_context():
        db.session.add(Follow(user_id=follower.id, issue_id=issue_id))
        db.session.commit()
    world.tally_and_certify(rid)
    assert world.official is not None
    year = FUTURE - 2
    monkeypatch.setattr("app.services.workflow.status_changes.utcnow", lambda: datetime(year, 1, 14, 8, 0))
    started = world.client.post(
        f"/api/v1/issues/{issue_id}/status",
        json={"status": "in-progress", "note": "Crew on site."},
        headers=world.headers(world.official),
    )
    assert started.status_code == 200, started.get_json()
    (mail,) = [m for m in outbox() if m["To"] == follower.email and m["Subject"].startswith("Work started")]
    assert f"has started.\nWhen: 14 January {year}, 09:00 CET\n" in mail.get_content()
