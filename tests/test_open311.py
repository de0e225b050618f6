"""Open311 GeoReport v2: services, requests in JSON and XML, creating a request with an API key."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest

from app.extensions import db
from app.models import Issue, User
from app.services.workflow import duplicates
from app.services.workflow import status_changes as workflow
from tests.testcity import OLD_TOWN, OUTSIDE


def test_services_list_categories_in_json_and_xml(client) -> None:
    services = client.get("/open311/v2/services.json").get_json()
    codes = [s["service_code"] for s in services]
    assert "pothole" in codes
    assert "streetlight" in codes
    pothole = next(s for s in services if s["service_code"] == "pothole")
    assert pothole["service_name"] == "Pothole or road damage"
    assert pothole["metadata"] is False
    assert pothole["type"] == "realtime"

    response = client.get("/open311/v2/services.xml")
    assert response.mimetype == "text/xml"
    root = ElementTree.fromstring(response.data)
    assert root.tag == "services"
    assert [s.findtext("service_code") for s in root.findall("service")] == codes


def test_service_definition_and_unknown_service(client) -> None:
    # GeoReport v2 answers a service definition as one object, not a list of them.
    assert client.get("/open311/v2/services/pothole.json").get_json() == {
        "service_code": "pothole",
        "attributes": [],
    }
    root = ElementTree.fromstring(client.get("/open311/v2/services/pothole.xml").data)
    assert root.tag == "service_definition"
    assert root.findtext("service_code") == "pothole"
    attributes = root.find("attributes")
    assert attributes is not None
    assert list(attributes) == []
    response = client.get("/open311/v2/services/nope.xml")
    assert response.status_code == 404
    error = ElementTree.fromstring(response.data).find("error")
    assert error is not None
    assert error.findtext("code") == "404"
    assert "nope" in (error.findtext("description") or "")


def test_discovery_lists_the_endpoint_in_json_and_in_georeport_xml(client) -> None:
    record = client.get("/open311/v2/discovery.json").get_json()
    endpoint = record["endpoints"][0]
    assert endpoint["url"].endswith("/open311/v2")
    root = ElementTree.fromstring(client.get("/open311/v2/discovery.xml").data)
    assert root.tag == "discovery"
    assert root.findtext("contact") == record["contact"]
    assert record["contact"] == client.application.config["CITY_CONTACT"]  # the city's desk, not ours
    nodes = root.findall("endpoints/endpoint")
    assert len(nodes) == 1
    assert nodes[0].findtext("url") == endpoint["url"]
    assert nodes[0].findtext("specification") == "http://wiki.open311.org/GeoReport_v2"
    assert [f.text for f in nodes[0].findall("formats/format")] == endpoint["formats"]


def test_requests_map_statuses_to_open_and_closed(client, make_issue) -> None:
    open_issue = make_issue(title="Hole", status="acknowledged")
    fixed_issue = make_issue(title="Lamp", category="streetlight", status="fixed")
    records = client.get("/open311/v2/requests.json").get_json()
    by_id = {r["service_request_id"]: r for r in records}
    assert by_id[str(open_issue.id)]["status"] == "open"
    assert by_id[str(open_issue.id)]["status_notes"] == "Acknowledged"  # no note given with it
    assert by_id[str(fixed_issue.id)]["status"] == "closed"
    assert by_id[str(fixed_issue.id)]["service_code"] == "streetlight"
    assert by_id[str(open_issue.id)]["lat"] == OLD_TOWN.lat
    assert by_id[str(open_issue.id)]["long"] == OLD_TOWN.lon
    assert by_id[str(open_issue.id)]["requested_datetime"].endswith("Z")

    only_closed = client.get("/open311/v2/requests.json?status=closed").get_json()
    assert [r["service_request_id"] for r in only_closed] == [str(fixed_issue.id)]
    by_code = client.get("/open311/v2/requests.json?service_code=pothole").get_json()
    assert [r["service_request_id"] for r in by_code] == [str(open_issue.id)]


def test_status_takes_a_comma_separated_list_and_ids_override_the_other_filters(client, make_issue) -> None:
    open_issue = make_issue(title="Hole", status="acknowledged")
    fixed_issue = make_issue(title="Lamp", category="streetlight", status="fixed")
    both = client.get("/open311/v2/requests.json?status=open,closed")
    assert both.status_code == 200
    assert {r["service_request_id"] for r in both.get_json()} == {str(open_issue.id), str(fixed_issue.id)}
    assert client.get("/open311/v2/requests.json?status=open,pending").status_code == 400
    # GeoReport v2: service_request_id "overrides all other arguments".
    ids = f"{open_issue.id},{fixed_issue.id}"
    found = client.get(f"/open311/v2/requests.json?service_request_id={ids}&status=closed&service_code=tree")
    assert {r["service_request_id"] for r in found.get_json()} == {str(open_issue.id), str(fixed_issue.id)}


def test_one_request_in_xml_and_a_missing_one(client, make_issue) -> None:
    issue = make_issue(title="Hole", description="Deep & <dangerous>")
    root = ElementTree.fromstring(client.get(f"/open311/v2/requests/{issue.id}.xml").data)
    request = root.find("request")
    assert request is not None
    assert request.findtext("service_request_id") == str(issue.id)
    # The title first, as FixMyStreet's Open311 sends it (found from outside: the title was left out).
    assert request.findtext("description") == "Hole: Deep & <dangerous>"
    missing = client.get("/open311/v2/requests/999999.json")
    assert missing.status_code == 404
    assert missing.get_json()[0]["code"] == 404


def test_bad_query_parameters_name_the_parameter(client) -> None:
    response = client.get("/open311/v2/requests.json?status=pending")
    assert response.status_code == 400
    assert response.get_json()[0]["description"].startswith("status:")
    response = client.get("/open311/v2/requests.json?start_date=yesterday")
    assert "start_date" in response.get_json()[0]["description"]
    # Found from outside: a window that ends before it starts answered an empty list.
    backwards = "start_date=2026-06-02T00:00:00Z&end_date=2026-06-01T00:00:00Z"
    response = client.get(f"/open311/v2/requests.json?{backwards}")
    assert response.status_code == 400
    assert response.get_json()[0]["description"] == "start_date: start_date must not be after end_date."
    assert client.get("/open311/v2/services.csv").status_code == 400
    # RFC 3339 allows a lowercase "z" (found from outside: it was refused).
    assert client.get("/open311/v2/requests.json?start_date=2026-11-01T00:00:00z").status_code == 200
    # Found from outside: an offset's "+" sent unencoded, and a too-large id, got words that misled.
    spaced = client.get("/open311/v2/requests.json?start_date=2026-11-01T10:00:00+05:00").get_json()
    assert "An offset's + must be sent as %2B in a URL." in spaced[0]["description"]
    huge = client.get("/open311/v2/requests.json?service_request_id=99999999999999999").get_json()
    assert "must be between 1 and 2,147,483,647" in huge[0]["description"]


def test_create_request_needs_a_valid_api_key(client, auth, table_counts) -> None:
    before = table_counts()
    data = {"service_code": "pothole", "lat": OLD_TOWN.lat, "long": OLD_TOWN.lon, "description": "Hole"}
    response = client.post("/open311/v2/requests.json", data=data)
    assert response.status_code == 403
    assert "api_key" in response.get_json()[0]["description"]
    response = client.post("/open311/v2/requests.json", data={**data, "api_key": "not-a-token"})
    assert response.status_code == 403
    assert table_counts() == before


def report_fields(headers: dict[str, str], description: str) -> dict[str, object]:
    """A GeoReport request's fields for a pothole in Old Town, with the token of `headers` as api_key."""
    return {
        "api_key": headers["Authorization"].removeprefix("Bearer "),
        "service_code": "pothole",
        "lat": OLD_TOWN.lat,
        "long": OLD_TOWN.lon,
        "description": description,
    }


def test_create_request_stores_an_issue(app, client, auth, count_rows) -> None:
    data = report_fields(auth.headers(), "Hole by the bakery\nIt fills with water when it rains.")
    response = client.post("/open311/v2/requests.xml", data=data)
    assert response.status_code == 201
    created = ElementTree.fromstring(response.data).find("request")
    assert created is not None
    new_id = int(created.findtext("service_request_id") or 0)
    detail = client.get(f"/api/v1/issues/{new_id}").get_json()["properties"]
    assert detail["title"] == "Hole by the bakery"
    assert detail["area"] == "Old Town"
    assert count_rows(Issue) == 1

    # A first line longer than a title is cut at a word, not mid-word (found from outside).
    long_line = "The pavement " + "outside number twelve " * 8 + "is broken"
    response = client.post("/open311/v2/requests.json", data={**data, "description": long_line})
    assert response.status_code == 201
    new_id = int(response.get_json()[0]["service_request_id"])
    title = client.get(f"/api/v1/issues/{new_id}").get_json()["properties"]["title"]
    assert len(title) <= 120
    assert title.endswith(" number…")  # the last whole word that fits
    # A report sent through Open311 has its first line as its title: GeoReport says it once.
    again = client.get(f"/open311/v2/requests/{new_id}.json").get_json()[0]
    assert again["description"] == long_line


def test_create_request_errors_use_georeport_names_and_store_nothing(client, auth, table_counts) -> None:
    token = auth.headers()["Authorization"].removeprefix("Bearer ")
    before = table_counts()
    base = {"api_key": token, "lat": OLD_TOWN.lat, "long": OLD_TOWN.lon, "description": "x"}
    # GeoReport v2, POST Service Request: "404 - service_code or jurisdiction_id was not found".
    unknown = client.post("/open311/v2/requests.json", data={**base, "service_code": "nope"})
    assert unknown.status_code == 404
    assert unknown.get_json() == [
        {"code": 404, "description": "service_code: Category 'nope' is not one of the city's categories."}
    ]
    unknown_xml = client.post("/open311/v2/requests.xml", data={**base, "service_code": "nope"})
    assert unknown_xml.status_code == 404
    assert ElementTree.fromstring(unknown_xml.data).findtext("error/code") == "404"
    # "400 - service_code or jurisdiction_id was not provided".
    for absent in ({}, {"service_code": ""}, {"service_code": "  "}):
        for fmt in ("json", "xml"):
            no_code = client.post(f"/open311/v2/requests.{fmt}", data={**base, **absent})
            assert no_code.status_code == 400, (absent, fmt)
        assert no_code.headers["Content-Type"].startswith("text/xml") or "xml" in no_code.content_type
        assert (
            ElementTree.fromstring(no_code.data).findtext("error/description", "").startswith("service_code:")
        )
    outside = client.post(
        "/open311/v2/requests.json",
        data={**base, "service_code": "pothole", "lat": OUTSIDE.lat, "long": OUTSIDE.lon},
    )
    assert outside.status_code == 400
    assert "outside the city" in outside.get_json()[0]["description"]
    bad_long = client.post(
        "/open311/v2/requests.json", data={**base, "service_code": "pothole", "long": "east"}
    )
    assert bad_long.get_json()[0]["description"].startswith("long:")
    for missing in ({"description": ""}, {"description": "\u200b"}):  # absent, or nothing visible
        no_text = client.post(
            "/open311/v2/requests.json", data={**base, "service_code": "pothole", **missing}
        )
        assert no_text.status_code == 400
        assert no_text.get_json()[0]["description"].startswith("description:"), no_text.get_json()
    # Found from outside: an address alone was refused as if lat were merely forgotten.
    by_address = {
        "api_key": token,
        "service_code": "pothole",
        "description": "x",
        "address_string": "Kerkstraat 4",
    }
    refused = client.post("/open311/v2/requests.json", data=by_address)
    assert refused.status_code == 400
    assert refused.get_json()[0]["description"] == (
        "lat: lat and long are required: this city places requests by coordinates, not by address_string."
    )
    assert table_counts() == before


def test_dates_at_the_ends_of_the_calendar_are_answered_not_a_server_error(client) -> None:
    # Year 1 or 9999 with an offset cannot be moved to UTC, and 90 days before year 1 does not exist.
    for query in (
        "end_date=0001-01-01T00:00:00Z",
        "end_date=0001-01-01T00:00:00%2B05:00",
        "start_date=9999-12-31T23:59:59-05:00",
    ):
        response = client.get(f"/open311/v2/requests.json?{query}")
        assert response.status_code in (200, 400), (query, response.status_code)
        if response.status_code == 400:
            name = query.split("=")[0]
            assert response.get_json()[0]["description"].startswith(f"{name}:"), query
    assert client.get("/open311/v2/requests.json?end_date=0001-01-01T00:00:00Z").get_json() == []


def test_errors_outside_the_views_come_in_georeport_format_too(client) -> None:
    # A client of GeoReport v2 reads every error as [{code, description}] in the format it asked for.
    missing = client.get("/open311/v2/no-such-thing.xml")
    assert missing.status_code == 404
    assert missing.mimetype == "text/xml"
    error = ElementTree.fromstring(missing.data).find("error")
    assert error is not None
    assert error.findtext("code") == "404"
    not_an_id = client.get("/open311/v2/requests/abc.json")
    assert not_an_id.status_code == 404
    assert not_an_id.get_json()[0]["code"] == 404
    wrong_method = client.put("/open311/v2/requests.json")
    assert wrong_method.status_code == 405
    assert wrong_method.get_json()[0]["code"] == 405
    assert "GET" in wrong_method.headers["Allow"]


@pytest.mark.config(RATELIMIT_ENABLED=True, RATE_LIMIT_REPORT="1 per minute")
def test_a_rate_limited_request_answers_a_georeport_error_with_retry_after(client, auth) -> None:
    token = auth.headers()["Authorization"].removeprefix("Bearer ")
    data = {"api_key": token, "service_code": "pothole", "lat": OLD_TOWN.lat, "long": OLD_TOWN.lon}
    first = client.post("/open311/v2/requests.xml", data={**data, "description": "Hole by the bakery"})
    assert first.status_code == 201
    second = client.post("/open311/v2/requests.xml", data={**data, "description": "Hole by the school"})
    assert second.status_code == 429
    assert int(second.headers["Retry-After"]) > 0
    error = ElementTree.fromstring(second.data).find("error")
    assert error is not None
    assert error.findtext("code") == "429"
    assert error.findtext("description")


def test_a_poller_revalidates_the_request_list_with_its_etag(client, make_issue) -> None:
    make_issue(title="Hole", status="acknowledged")
    first = client.get("/open311/v2/requests.json")
    etag = first.headers.get("ETag")
    assert etag
    unchanged = client.get("/open311/v2/requests.json", headers={"If-None-Match": etag})
    assert unchanged.status_code == 304
    assert unchanged.get_data() == b""
    make_issue(title="Lamp", category="streetlight", status="fixed")
    changed = client.get("/open311/v2/requests.json", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert len(changed.get_json()) == 2
    services = client.get("/open311/v2/services.xml")
    assert (
        client.get(
            "/open311/v2/services.xml", headers={"If-None-Match": services.headers["ETag"]}
        ).status_code
        == 304
    )


def test_characters_xml_cannot_carry_do_not_break_the_xml_list(client, auth) -> None:
    # Reporting lets U+FFFF through (a noncharacter, not a control); older rows may hold controls too.
    token = auth.headers()["Authorization"].removeprefix("Bearer ")
    data = {"api_key": token, "service_code": "pothole", "lat": OLD_TOWN.lat, "long": OLD_TOWN.lon}
    created = client.post("/open311/v2/requests.json", data={**data, "description": "Odd \uffff hole"})
    assert created.status_code == 201
    new_id = created.get_json()[0]["service_request_id"]
    for url in ("/open311/v2/requests.xml", f"/open311/v2/requests/{new_id}.xml"):
        root = ElementTree.fromstring(client.get(url).data)
        assert root.findtext("request/description") == "Odd  hole", url
    # JSON carries the text as it is.
    assert client.get(f"/open311/v2/requests/{new_id}.json").get_json()[0]["description"] == "Odd \uffff hole"


@pytest.mark.config(RATELIMIT_ENABLED=True, RATE_LIMIT_REPORT="1 per minute")
def test_reports_are_limited_per_resident_whichever_way_they_come(client, auth) -> None:
    # A city's integrator posts many residents' reports from one address: each resident has their own
    # quota, shared with the API and the web form, not one quota for the integrator's address.
    alice, bob = auth.headers(), auth.headers()
    where = {"service_code": "pothole", "lat": OLD_TOWN.lat, "long": OLD_TOWN.lon}

    def post(headers: dict[str, str], text: str):
        key = headers["Authorization"].removeprefix("Bearer ")
        return client.post("/open311/v2/requests.json", data={**where, "api_key": key, "description": text})

    assert post(alice, "Hole by the bakery").status_code == 201
    assert post(bob, "Hole by the school").status_code == 201
    assert post(alice, "Hole by the church").status_code == 429
    report = {
        "lat": OLD_TOWN.lat,
        "lon": OLD_TOWN.lon,
        "category": "pothole",
        "title": "Hole",
        "description": "Deep.",
    }
    assert client.post("/api/v1/issues", json=report, headers=bob).status_code == 429


def test_a_report_held_for_email_confirmation_says_so_in_its_notice(client, auth) -> None:
    unconfirmed = auth.headers(email_confirmed=False)["Authorization"].removeprefix("Bearer ")
    data = {"service_code": "pothole", "lat": OLD_TOWN.lat, "long": OLD_TOWN.lon, "description": "Hole"}
    held = client.post("/open311/v2/requests.json", data={**data, "api_key": unconfirmed})
    assert held.status_code == 201
    record = held.get_json()[0]
    assert "confirm" in record["service_notice"]
    # Until then the request is not public, so looking it up finds nothing.
    assert client.get(f"/open311/v2/requests/{record['service_request_id']}.json").status_code == 404
    confirmed = auth.headers()["Authorization"].removeprefix("Bearer ")
    shown = client.post("/open311/v2/requests.json", data={**data, "api_key": confirmed})
    assert shown.get_json()[0]["service_notice"] == ""


def test_status_notes_say_the_detailed_status_and_the_citys_latest_note(
    app, client, make_issue, make_user
) -> None:
    """Found from outside: status_notes only repeated the status name, never what the city said."""
    issue = make_issue(title="Hole")
    official_id = make_user(role="official").id
    with app.app_context():
        official = db.session.get(User, official_id)
        workflow.change_status(db.session, official, issue.id, "acknowledged", "An inspector will look.")
        workflow.change_status(db.session, official, issue.id, "planned", "Booked for the week of 12 May.")
        db.session.commit()

    (record,) = client.get(f"/open311/v2/requests/{issue.id}.json").get_json()
    assert record["status_notes"] == "Planned: Booked for the week of 12 May."

    # The latest change's note, not an earlier one's.
    with app.app_context():
        official = db.session.get(User, official_id)
        workflow.change_status(db.session, official, issue.id, "in-progress", "The crew is on site.")
        db.session.commit()
    (record,) = client.get(f"/open311/v2/requests/{issue.id}.json").get_json()
    assert record["status_notes"] == "In progress: The crew is on site."


def test_status_notes_follow_a_duplicate_and_a_residents_not_fixed(
    app, client, make_issue, make_user
) -> None:
    """Found from outside: a problem closed as a duplicate read the older "acknowledged" note, and one a
    resident reopened read "New: Filled today"."""
    original, duplicate, fixed = make_issue(title="Hole"), make_issue(title="Same hole"), make_issue()
    official_id, resident_id = make_user(role="official").id, make_user().id
    with app.app_context():
        official = db.session.get(User, official_id)
        workflow.change_status(db.session, official, duplicate.id, "acknowledged", "An inspector will look.")
        duplicates.mark_duplicate(
            db.session, official, duplicate.id, original.id, "Same junction as the other."
        )
        workflow.change_status(db.session, official, fixed.id, "fixed", "Filled today.")
        workflow.not_fixed(db.session, db.session.get(User, resident_id), fixed.id, "Still broken today.")
        db.session.commit()

    (merged,) = client.get(f"/open311/v2/requests/{duplicate.id}.json").get_json()
    (reopened,) = client.get(f"/open311/v2/requests/{fixed.id}.json").get_json()

    assert merged["status_notes"] == "Duplicate: Same junction as the other."
    assert reopened["status_notes"].endswith(": Still broken today.")
    assert "Filled today" not in reopened["status_notes"]
