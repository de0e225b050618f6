"""`import-streets FILE`: good files, bad files (a clear error, nothing stored), importing again."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from app.extensions import db
from app.models import Address, Issue, Landmark, Street, StreetWord
from tests.gazetteer.streets_file import STREETS, collection, feature, line, point, write_streets
from tests.testcity import OLD_TOWN, Place

CountRows = Callable[..., int]
TABLES = (Street, StreetWord, Address, Landmark)


def counts(count_rows: CountRows) -> dict[str, int]:
    return {model.__name__: count_rows(model) for model in TABLES}


def test_import_loads_streets_per_area_addresses_and_landmarks(
    runner: FlaskCliRunner, tmp_path: Path, count_rows: CountRows
) -> None:
    result = runner.invoke(args=["import-streets", str(write_streets(tmp_path))])

    assert result.exit_code == 0, result.output
    # Long Street crosses Old Town and Riverside: one street in each; the unnamed way is skipped.
    assert "5 streets added, 0 updated; 1 addresses and 1 landmarks loaded." in result.output
    assert counts(count_rows) == {"Street": 5, "StreetWord": 12, "Address": 1, "Landmark": 1}


def test_importing_the_same_file_again_adds_nothing(
    runner: FlaskCliRunner, tmp_path: Path, count_rows: CountRows
) -> None:
    path = write_streets(tmp_path)
    runner.invoke(args=["import-streets", str(path)])
    before = counts(count_rows)

    again = runner.invoke(args=["import-streets", str(path)])

    assert again.exit_code == 0, again.output
    assert "0 streets added, 5 updated" in again.output
    assert counts(count_rows) == before


def test_import_names_the_place_of_problems_reported_before(
    runner: FlaskCliRunner, tmp_path: Path, make_issue: Callable[..., Issue], app: Flask
) -> None:
    issue = make_issue(place=OLD_TOWN)
    assert issue.place is None  # no streets yet

    result = runner.invoke(args=["import-streets", str(write_streets(tmp_path))])

    assert "1 problems placed." in result.output
    with app.app_context():
        assert db.session.get(Issue, issue.id).place == "near 12 Willow Drive, Old Town"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"type": "Feature"}', "expected a GeoJSON FeatureCollection"),
        ('{"type": "FeatureCollection", "features": {}}', "'features' must be a list"),
        ('{"type": "FeatureCollection", "features": [1]}', "feature 1 is not a GeoJSON Feature"),
        (
            collection(
                [{"type": "Feature", "properties": {"name": "X"}, "geometry": {"type": "LineString"}}]
            ),
            "feature 1: unreadable geometry",
        ),
        (
            collection(
                [
                    {
                        "type": "Feature",
                        "properties": {"name": "Swapped"},
                        "geometry": {"type": "LineString", "coordinates": [[50.0, 10.0], [50.1, 100.5]]},
                    }
                ]
            ),
            "feature 1: coordinates are not lon/lat",
        ),
        (collection([]), "holds no named streets, addresses or landmarks"),
    ],
)
def test_a_bad_file_is_refused_naming_what_is_wrong_and_nothing_is_stored(
    runner: FlaskCliRunner, tmp_path: Path, count_rows: CountRows, content: str, message: str
) -> None:
    path = tmp_path / "bad.geojson"
    path.write_text(content, encoding="utf-8")

    result = runner.invoke(args=["import-streets", str(path)])

    assert result.exit_code != 0
    assert message in result.output
    assert str(path) in result.output
    assert counts(count_rows) == dict.fromkeys(("Street", "StreetWord", "Address", "Landmark"), 0)


def test_a_file_that_is_not_text_is_refused(runner: FlaskCliRunner, tmp_path: Path) -> None:
    path = tmp_path / "streets.geojson"
    path.write_bytes(b"\xff\xfe\x00binary")

    result = runner.invoke(args=["import-streets", str(path)])

    assert result.exit_code != 0
    assert "not a UTF-8 text file" in result.output


def test_a_missing_file_is_refused(runner: FlaskCliRunner, tmp_path: Path) -> None:
    result = runner.invoke(args=["import-streets", str(tmp_path / "nowhere.geojson")])

    assert result.exit_code != 0
    assert "does not exist" in result.output


def test_importing_a_changed_file_moves_streets_and_addresses_in_place(
    runner: FlaskCliRunner, tmp_path: Path, count_rows: CountRows, app: Flask
) -> None:
    runner.invoke(args=["import-streets", str(write_streets(tmp_path))])
    before = counts(count_rows)
    moved = [dict(f) for f in STREETS]
    moved[0] = feature(line((10.001, 50.006), (10.009, 50.006)), name="Willow Drive")
    moved[6] = feature(
        point(Place(10.006, 50.0062)), **{"addr:housenumber": "12", "addr:street": "Willow Drive"}
    )

    result = runner.invoke(args=["import-streets", str(write_streets(tmp_path, moved))])

    assert result.exit_code == 0, result.output
    assert counts(count_rows) == before
    with app.app_context():
        willow = db.session.scalar(select(Street).where(Street.name == "Willow Drive"))
        address = db.session.scalar(select(Address).where(Address.housenumber == "12"))
        assert willow is not None
        assert address is not None
        assert (willow.min_lat, willow.max_lat) == (50.006, 50.006)
        assert (address.lon, address.lat) == (10.006, 50.0062)
