"""CSV and GeoJSON exports: columns, rows, formula-injection escaping, filters, streaming, API access."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import Issue, User
from app.services.workspace import exports
from tests.testcity import HILLSIDE, OLD_TOWN, RIVERSIDE
from tests.workspace.conftest import Stamp

MakeIssue = Callable[..., Issue]
T0 = datetime(2026, 4, 1, 8, 30, 0)


def read_csv(body: str) -> list[dict[str, str]]:
    """The rows of an export, less the staff download's byte order mark."""
    return list(csv.DictReader(io.StringIO(body.removeprefix("\ufeff"))))


@pytest.fixture
def exported(make_issue: MakeIssue, stamp: Stamp) -> dict[str, int]:
    lamp = make_issue(place=RIVERSIDE, category="streetlight", title="Lamp out", created_at=T0, likes_from=2)
    stamp(
        lamp.id,
        status="fixed",
        acknowledged_at=datetime(2026, 4, 2, 9, 0),
        fixed_at=datetime(2026, 4, 5, 10, 0),
    )
    evil = make_issue(
        place=OLD_TOWN,
        title='=HYPERLINK("http://evil.example","click")',
        description='+SUM(A1:A9) and a "quoted", comma\nnew line',
        created_at=T0,
    )
    minus = make_issue(place=HILLSIDE, title="-1 pothole", description="@mention", created_at=T0)
    hidden = make_issue(place=OLD_TOWN, title="Hidden one", created_at=T0)
    stamp(hidden.id, is_hidden=True)
    return {"lamp": lamp.id, "evil": evil.id, "minus": minus.id, "hidden": hidden.id}


def test_csv_has_one_row_per_issue_with_every_column(
    staff_client: FlaskClient, exported: dict[str, int], city: dict[str, int]
) -> None:
    response = staff_client.get("/staff/exports/issues.csv?status=open,fixed,closed")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.is_streamed
    assert response.headers["Content-Disposition"].startswith('attachment; filename="commonfix-issues-')
    body = response.get_data(as_text=True).removeprefix("\ufeff")
    assert body.splitlines()[0] == (
        "id,title,description,category,status,status_type,area,created,acknowledged,fixed,closed,"
        "likes,latitude,longitude,url,place,category_code,status_code,area_id,last_activity,assignee,hidden,"
        "duplicate_of"
    )
    rows = {int(r["id"]): r for r in read_csv(body)}
    assert sorted(rows) == sorted(
        [exported["lamp"], exported["evil"], exported["minus"]]
    )  # not the hidden one
    lamp = rows[exported["lamp"]]
    assert lamp.pop("last_activity").startswith("20")  # the staff's fields, added last
    assert (lamp.pop("assignee"), lamp.pop("hidden"), lamp.pop("duplicate_of")) == ("", "false", "")
    assert lamp == {
        "id": str(exported["lamp"]),
        "title": "Lamp out",
        "description": "It has been like this for weeks.",
        "category": "Broken street light",
        "status": "Fixed",
        "status_type": "fixed",
        "area": "Riverside",
        "created": "2026-04-01T08:30:00Z",
        "acknowledged": "2026-04-02T09:00:00Z",
        "fixed": "2026-04-05T10:00:00Z",
        "closed": "",
        "likes": "2",
        "latitude": f"{RIVERSIDE.lat:.6f}",
        "longitude": f"{RIVERSIDE.lon:.6f}",
        "url": f"http://localhost/issues/{exported['lamp']}",
        "place": "",  # no streets imported in this test
        # Found from outside: names only, so the rows could not be joined with the API or Open311.
        "category_code": "streetlight",
        "status_code": "fixed",
        "area_id": str(city["Riverside"]),
    }


def test_csv_cells_cannot_become_formulas(staff_client: FlaskClient, exported: dict[str, int]) -> None:
    rows = {
        int(r["id"]): r
        for r in read_csv(staff_client.get("/staff/exports/issues.csv").get_data(as_text=True))
    }
    evil, minus = rows[exported["evil"]], rows[exported["minus"]]
    assert evil["title"] == '\'=HYPERLINK("http://evil.example","click")'
    assert evil["description"] == '\'+SUM(A1:A9) and a "quoted", comma\nnew line'
    assert minus["title"] == "'-1 pothole"
    assert minus["description"] == "'@mention"
    assert minus["longitude"] == f"{HILLSIDE.lon:.6f}"  # numbers are ours, never escaped


def test_exports_take_the_dashboard_filters(
    staff_client: FlaskClient, exported: dict[str, int], city: dict[str, int]
) -> None:
    by_area = read_csv(
        staff_client.get(f"/staff/exports/issues.csv?area={city['Old Town']}").get_data(as_text=True)
    )
    assert [int(r["id"]) for r in by_area] == [exported["evil"]]
    fixed = read_csv(staff_client.get("/staff/exports/issues.csv?status=fixed").get_data(as_text=True))
    assert [int(r["id"]) for r in fixed] == [exported["lamp"]]
    none = staff_client.get("/staff/exports/issues.csv?min_likes=50").get_data(as_text=True)
    assert read_csv(none) == []
    assert none.startswith("\ufeffid,title,")
    bad = staff_client.get("/staff/exports/issues.csv?status=nope")
    assert bad.status_code == 422
    assert "Status &#39;nope&#39; is unknown" in bad.get_data(as_text=True)


def test_geojson_export(staff_client: FlaskClient, exported: dict[str, int]) -> None:
    response = staff_client.get("/staff/exports/issues.geojson?status=fixed")

    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    body = json.loads(response.get_data(as_text=True))
    assert body["type"] == "FeatureCollection"
    (feature,) = body["features"]
    assert feature["geometry"] == {"type": "Point", "coordinates": [RIVERSIDE.lon, RIVERSIDE.lat]}
    props = feature["properties"]
    assert (props["id"], props["category"], props["status_type"], props["area"]) == (
        exported["lamp"],
        "streetlight",
        "fixed",
        "Riverside",
    )
    assert (props["fixed"], props["closed"], props["likes"]) == ("2026-04-05T10:00:00Z", None, 2)
    # The staff's own fields, as in the CSV.
    assert (props["hidden"], props["duplicate_of"], props["assignee"]) == (False, None, None)
    assert props["last_activity"].endswith("Z")
    empty = json.loads(staff_client.get("/staff/exports/issues.geojson?min_likes=99").get_data(as_text=True))
    assert empty == {"type": "FeatureCollection", "features": []}


def test_keyset_pages_cover_every_row_once(
    app: Flask, staff_client: FlaskClient, make_issue: MakeIssue, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = sorted(make_issue(created_at=T0).id for _ in range(7))
    monkeypatch.setattr(exports, "PAGE_SIZE", 3)
    monkeypatch.setattr(exports.issue_rows, "__defaults__", (3, None))
    csv_ids = [
        int(r["id"]) for r in read_csv(staff_client.get("/staff/exports/issues.csv").get_data(as_text=True))
    ]
    body = json.loads(staff_client.get("/staff/exports/issues.geojson").get_data(as_text=True))
    assert csv_ids == made
    assert [f["id"] for f in body["features"]] == made


def test_api_exports_for_officials_by_token(
    client: FlaskClient, auth: object, exported: dict[str, int], make_user: Callable[..., User]
) -> None:
    official = make_user(role="official")
    headers = auth.headers(official)  # type: ignore[attr-defined]

    response = client.get("/api/v1/exports/issues.csv?status=fixed", headers=headers)
    assert response.status_code == 200
    assert response.is_streamed
    assert [int(r["id"]) for r in read_csv(response.get_data(as_text=True))] == [exported["lamp"]]
    geo = client.get("/api/v1/exports/issues.geojson?category=streetlight&status=open,fixed", headers=headers)
    assert [f["id"] for f in json.loads(geo.get_data(as_text=True))["features"]] == [exported["lamp"]]
    bad = client.get("/api/v1/exports/issues.csv?from=someday", headers=headers)
    assert bad.status_code == 422
    assert bad.get_json()["error"]["field"] == "from"
    # The API's CSV takes the dashboard's sort, as the staff export does, and refuses an unknown one.
    everything = "status=open,fixed,closed"
    ids = {}
    for sort in ("newest", "oldest"):  # each streamed body read before the next request
        body = client.get(f"/api/v1/exports/issues.csv?{everything}&sort={sort}", headers=headers)
        ids[sort] = [r["id"] for r in read_csv(body.get_data(as_text=True))]
    newest_ids, oldest_ids = ids["newest"], ids["oldest"]
    assert len(newest_ids) > 1
    assert newest_ids == oldest_ids[::-1]
    unknown = client.get("/api/v1/exports/issues.csv?sort=x", headers=headers)
    assert unknown.status_code == 422
    assert unknown.get_json()["error"]["field"] == "sort"


def test_the_api_document_names_every_csv_column(
    client: FlaskClient, auth: object, exported: dict[str, int], make_user: Callable[..., User]
) -> None:
    headers = auth.headers(make_user(role="official"))  # type: ignore[attr-defined]
    body = client.get("/api/v1/exports/issues.csv", headers=headers).get_data(as_text=True)
    document = client.get("/api/v1/openapi.json").get_json()
    described = document["paths"]["/exports/issues.csv"]["get"]["responses"]["200"]["description"]
    named = described.split("with the columns ", 1)[1].split(". ", 1)[0]
    assert named.split(", ") == next(csv.reader(io.StringIO(body)))  # "place" was left out


@pytest.mark.parametrize("path", ["/api/v1/exports/issues.csv", "/api/v1/exports/issues.geojson"])
def test_api_exports_refuse_residents_and_anonymous(
    client: FlaskClient, auth: object, exported: dict[str, int], path: str
) -> None:
    anonymous = client.get(path)
    assert anonymous.status_code == 401
    assert anonymous.get_json()["error"]["code"] == "unauthenticated"
    resident = client.get(path, headers=auth.headers(role="resident"))  # type: ignore[attr-defined]
    assert resident.status_code == 403
    assert resident.get_json()["error"]["code"] == "forbidden"
    assert "Lamp out" not in resident.get_data(as_text=True)


def test_the_staff_download_is_marked_as_utf8_for_spreadsheets_and_the_apis_is_not(
    staff_client: FlaskClient, make_issue: MakeIssue
) -> None:
    """Found from outside: Excel opened the officials' export as "Place de l'Ã‰glise"; it reads the
    byte order mark as UTF-8. Programs reading the API's CSV get the plain file."""
    make_issue(place=OLD_TOWN, title="Bench by the Église", created_at=T0)

    staff = staff_client.get("/staff/exports/issues.csv").get_data()
    api = staff_client.get("/api/v1/exports/issues.csv").get_data()

    assert staff.startswith(b"\xef\xbb\xbfid,")
    assert api.startswith(b"id,")
    assert staff.removeprefix(b"\xef\xbb\xbf") == api
    assert [r["title"] for r in read_csv(staff.decode("utf-8"))] == ["Bench by the Église"]


def test_the_csv_carries_the_assignee_and_the_merged_and_hidden_state(
    app: Flask, staff_client: FlaskClient, make_issue: MakeIssue, make_user: Callable[..., User]
) -> None:
    """Found from outside: the staff filter and work by these, and the export had none of them."""
    original, duplicate = make_issue(title="Original"), make_issue(title="Copy")
    omar = make_user(role="official", display_name="Omar")
    staff_client.post(f"/staff/issues/{original.id}/assign", data={"assignee": f"user:{omar.id}"})
    with app.app_context():
        found = db.session.get(Issue, duplicate.id)
        found.duplicate_of_id, found.status = original.id, "duplicate"
        db.session.commit()

    body = staff_client.get("/staff/exports/issues.csv?status=open,closed").get_data(as_text=True)
    rows = {int(r["id"]): r for r in read_csv(body.removeprefix("\ufeff"))}
    assert (rows[original.id]["assignee"], rows[original.id]["duplicate_of"]) == ("Omar", "")
    assert rows[duplicate.id]["duplicate_of"] == str(original.id)
