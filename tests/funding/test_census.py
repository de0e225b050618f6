"""The city's census of an area (issue 19, item 1): stored only as salted hashes, replaced by a new upload,
bad files refused naming the field; residents verify once, never across areas or accounts, rate limited.
Both engines (the `backend` param)."""

# ruff: noqa: F811  (fixtures are imported, then requested by name)

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import CensusEntry, CensusUpload
from app.services.rounds import voter_keys
from tests.funding.census_calls import (
    OLD_TOWN_IDS,
    audits,
    count,
    error_of,
    old_town,
    riverside,
    upload,
    verify,
)
from tests.funding.round_world import RoundWorld, world  # noqa: F401
from tests.funding_fixtures import funding  # noqa: F401


def test_a_census_is_stored_only_as_salted_hashes_and_replaces_the_previous_one(
    world: RoundWorld,
) -> None:
    world.build(members=1)
    area = old_town(world)

    first = upload(world, area, OLD_TOWN_IDS)
    csv = "name,identifier\nAnn,ZZ-1\nBob,zz 2\n"
    second = world.client.post(
        f"/api/v1/areas/{area}/census",
        data={"census": (io.BytesIO(csv.encode()), "census.csv")},
        content_type="multipart/form-data",
        headers=world.headers(world.official),
    )

    assert first.status_code == 201
    assert first.get_json()["entries_count"] == 4
    assert first.get_json()["replaced_previous"] is False
    assert second.status_code == 201, second.get_json()
    assert second.get_json() | {"uploaded_at": None} == {
        "area_id": area,
        "entries_count": 2,
        "uploaded_at": None,
        "replaced_previous": True,
    }
    with world.app.app_context():
        uploads = list(db.session.scalars(select(CensusUpload).order_by(CensusUpload.id)))
        assert [u.replaced_at is not None for u in uploads] == [True, False]
        hashes = set(
            db.session.scalars(select(CensusEntry.id_hash).where(CensusEntry.upload_id == uploads[1].id))
        )
        assert hashes == {voter_keys.census_hash(uploads[1].salt, i) for i in ("ZZ1", "ZZ2")}
    everything = json.dumps([e.details for e in audits(world, "census.upload")])
    for identifier in [*OLD_TOWN_IDS, "ZZ-1", "ZZ1", "ZZ2"]:
        assert identifier not in everything
    assert [e.details["entries"] for e in audits(world, "census.upload")] == [4, 2]


@pytest.mark.parametrize(
    "body",
    [
        "identifier;name\nAB-1;Ann\nAB-2;Bea\n",  # a spreadsheet's CSV where the decimal mark is a comma
        "\ufeffidentifier;name\r\nAB-1;Ann\r\nAB-2;Bea\r\n",
        "name\tidentifier\nAnn\tAB-1\nBea\tAB-2\n",
    ],
)
def test_a_census_separated_by_semicolons_or_tabs_is_read(world: RoundWorld, body: str) -> None:
    """Found from outside: a file with the header `identifier;name` (the usual European spreadsheet
    export) was refused as naming no "identifier" column."""
    world.build(members=1)
    response = world.client.post(
        f"/api/v1/areas/{old_town(world)}/census",
        data={"census": (io.BytesIO(body.encode()), "census.csv")},
        content_type="multipart/form-data",
        headers=world.headers(world.official),
    )
    assert response.status_code in (200, 201), response.get_json()
    assert count(world, CensusEntry) == 2


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ("", "census", "The census file is empty"),
        ("\ufeff\ufeff", "census", 'must name an "identifier" column'),  # no first row at all
        (";;;\n", "census", 'must name an "identifier" column'),
        ("name,address\nAnn,1 Main St\n", "census", 'must name an "identifier" column'),
        ("identifier\nAB-1\nab 1\n", "census", "row 2 and row 3 hold the same identifier"),
        ("identifier\n\n", "census", "no identifiers"),
        ("identifier\nA1\nA2\nA3\nA4\n", "census", "more than 3 identifiers"),
        ("identifier\nA\x00B\nC1\n", "census", "row 2's identifier holds a NUL byte"),  # JSON refused it
    ],
)
def test_bad_census_files_name_the_field_and_store_nothing(
    world: RoundWorld, body: str, field: str, words: str
) -> None:
    world.build(members=1)
    world.app.config["CENSUS_MAX_ENTRIES"] = 3
    response = world.client.post(
        f"/api/v1/areas/{old_town(world)}/census",
        data={"census": (io.BytesIO(body.encode()), "census.csv")},
        content_type="multipart/form-data",
        headers=world.headers(world.official),
    )
    assert response.status_code in (413, 422)
    assert error_of(response)["field"] == field
    assert words in error_of(response)["message"]
    assert count(world, CensusUpload) == 0
    assert count(world, CensusEntry) == 0


def test_only_officials_upload_and_too_large_files_are_refused(world: RoundWorld) -> None:
    world.build(members=1)
    world.app.config["CENSUS_MAX_BYTES"] = 100
    by_resident = upload(world, old_town(world), OLD_TOWN_IDS, by=world.admin)
    too_large = world.client.post(
        f"/api/v1/areas/{old_town(world)}/census",
        data={"census": (io.BytesIO(b"identifier\n" + b"A1234567\n" * 20), "census.csv")},
        content_type="multipart/form-data",
        headers=world.headers(world.official),
    )
    unknown_area = upload(world, 999_999, OLD_TOWN_IDS)

    assert by_resident.status_code == 403
    assert too_large.status_code == 413
    assert error_of(too_large)["field"] == "census"
    assert unknown_area.status_code == 404
    assert count(world, CensusUpload) == 0


def test_residents_verify_once_and_identifiers_never_cross_areas_or_accounts(world: RoundWorld) -> None:
    world.build(members=2)
    area = old_town(world)
    assert upload(world, area, OLD_TOWN_IDS).status_code == 201
    assert upload(world, riverside(world), ["RS-9"]).status_code == 201
    ann, bob = world.members
    secret_name = bob.display_name

    other_area = verify(world, ann, area, "RS-9")
    unknown = verify(world, ann, area, "AB-9999")
    blank = verify(world, ann, area, "  ")
    done = verify(world, ann, area, "ab 1001")  # case, spaces and dashes do not matter
    again = verify(world, ann, area, "AB-1002")
    taken = verify(world, bob, area, "AB-1001")

    assert other_area.status_code == 422
    assert error_of(other_area)["field"] == "identifier"
    assert (
        "Your identifier is not on Old Town's census: contact the city's service desk"
        in error_of(other_area)["message"]
    )
    assert unknown.status_code == 422
    assert blank.status_code == 422
    assert error_of(blank)["field"] == "identifier"
    assert done.status_code == 200
    assert done.get_json()["verified"] is True
    assert again.status_code == 409
    assert taken.status_code == 409
    assert "already verified another account" in error_of(taken)["message"]
    assert ann.display_name not in error_of(taken)["message"]
    assert ann.email not in error_of(taken)["message"]
    assert count(world, CensusEntry, CensusEntry.user_id.is_not(None)) == 1
    assert count(world, CensusEntry, CensusEntry.user_id == bob.id) == 0
    trail = audits(world, "census.verify")
    assert [e.actor_id for e in trail] == [ann.id]
    assert "1001" not in json.dumps(trail[0].details)
    status = world.client.get(
        f"/api/v1/areas/{area}/census/verification", headers=world.headers(ann)
    ).get_json()
    assert status["verified"] is True
    assert secret_name not in json.dumps(status)


@pytest.mark.config(RATELIMIT_ENABLED=True, RATE_LIMIT_CENSUS_VERIFY="3 per hour")
def test_verification_attempts_are_rate_limited(world: RoundWorld) -> None:
    world.build(members=1)
    area = old_town(world)
    assert upload(world, area, OLD_TOWN_IDS).status_code == 201
    member = world.members[0]
    tries = [verify(world, member, area, f"GUESS-{n}").status_code for n in range(3)]
    limited = verify(world, member, area, "AB-1001")

    assert tries == [422, 422, 422]
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) > 0
    assert count(world, CensusEntry, CensusEntry.user_id.is_not(None)) == 0


def test_the_officials_census_page_uploads_and_shows_a_bad_file_on_its_field(world: RoundWorld) -> None:
    world.build(members=1)
    area = old_town(world)
    world.auth.login_as(world.official)

    bad = world.client.post(
        "/staff/census",
        data={"area": str(area), "census": (io.BytesIO(b"name\nAnn\n"), "census.csv")},
        content_type="multipart/form-data",
    )
    good = world.client.post(
        "/staff/census",
        data={"area": str(area), "census": (io.BytesIO(b"identifier\nAB-1\nAB-2\n"), "census.csv")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )

    assert bad.status_code == 422
    assert 'id="census-error"' in bad.get_data(as_text=True)
    assert "must name an" in bad.get_data(as_text=True)
    assert good.status_code == 200
    page = good.get_data(as_text=True)
    assert "Census uploaded: 2 identifiers" in page
    assert f'data-testid="census-{area}"' in page
    assert count(world, CensusUpload) == 1
    assert [e.details["entries"] for e in audits(world, "census.upload")] == [2]
    # In words (found from outside: "census: the first row ..." and "1 identifiers").
    assert "The census file&#39;s first row must name" in bad.get_data(as_text=True)
    assert "census: the" not in bad.get_data(as_text=True)
    one = world.client.post(
        "/staff/census",
        data={"area": str(area), "census": (io.BytesIO(b"identifier\nAB-3\n"), "census.csv")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "Census uploaded: 1 identifier, kept only as salted hashes." in one.get_data(as_text=True)


def test_replacing_a_census_residents_verified_against_is_asked_first(world: RoundWorld) -> None:
    """Found from outside: a file uploaded for the wrong area un-verified its residents at once."""
    world.build(members=1)
    area = old_town(world)
    assert upload(world, area, OLD_TOWN_IDS).status_code == 201
    assert verify(world, world.members[0], area, OLD_TOWN_IDS[0]).status_code == 200
    world.auth.login_as(world.official)

    def replace(**confirm: str) -> Any:
        sent = {"area": str(area), "census": (io.BytesIO(b"identifier\nZZ-9\n"), "census.csv"), **confirm}
        return world.client.post("/staff/census", data=sent, content_type="multipart/form-data")

    asked = replace()
    assert asked.status_code == 422
    assert "current census has 1 verified resident: the new one makes them verify again" in asked.get_data(
        as_text=True
    )
    assert count(world, CensusUpload) == 1
    assert replace(confirm_replace="y").status_code == 302
    assert count(world, CensusUpload) == 2
