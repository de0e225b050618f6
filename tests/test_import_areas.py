"""`import-areas FILE` and `rename-area OLD NEW`: names of any script, names held to the rules of names,
one place never imported twice, and whatever is refused named in one line with nothing stored.

Found from outside by a city adopting the product: Cyrillic names all became the slug "area" and the
second one stopped the import with an IntegrityError traceback, as did "elm park" beside "Elm Park"; a
file in Latin-1 gave a UnicodeDecodeError traceback; a 200-character name was stored; and an area's own
polygon imported under a second name was stored beside it, forever empty. Both engines."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from app.extensions import db
from app.models import Area, AuditEntry, Issue
from tests.gazetteer.streets_file import write_streets
from tests.testcity import AREA_BOXES, OLD_TOWN

CITY = {"Old Town": "old-town", "Riverside": "riverside", "Hillside": "hillside"}


def square(column: int) -> dict[str, Any]:
    """A square east of the test city, apart from it and from every other column."""
    west = 10.1 + column * 0.01
    ring = [[west, 50.0], [west + 0.005, 50.0], [west + 0.005, 50.005], [west, 50.005], [west, 50.0]]
    return {"type": "Polygon", "coordinates": [ring]}


def box_of(name: str, grow: float = 0.0) -> dict[str, Any]:
    west, south, east, north = AREA_BOXES[name]
    east += grow
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


def write(tmp_path: Path, *features: tuple[str, dict[str, Any]]) -> Path:
    path = tmp_path / "areas.geojson"
    document = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"name": name}, "geometry": geometry}
            for name, geometry in features
        ],
    }
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def slugs(app: Flask) -> dict[str, str]:
    with app.app_context():
        return {name: slug for name, slug in db.session.execute(select(Area.name, Area.slug)).tuples()}


def refused(result: Any, *words: str) -> None:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)
    line = result.output.splitlines()[-1]
    for word in words:
        assert word in line
    assert "Nothing was imported." in line


def test_names_of_every_script_get_slugs_of_their_own(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        ("Центр", square(0)),
        ("Север", square(1)),
        ("Κέντρο", square(2)),
        ("وسط المدينة", square(3)),
        ("中心区", square(4)),
        ("Café de l'Étoile", square(5)),
        ("Old-Town", square(6)),  # reads otherwise than "Old Town", but has its slug
        ("St. Mary", square(7)),
        ("St Mary", square(8)),
        ("!!!", square(9)),
    )

    result = runner.invoke(args=["import-areas", str(path)])

    assert result.exit_code == 0, result.output
    assert "10 areas added, 0 updated." in result.output
    assert slugs(app) == {
        **CITY,
        "Центр": "центр",
        "Север": "север",
        "Κέντρο": "κέντρο",
        "وسط المدينة": "وسط-المدينة",
        "中心区": "中心区",
        "Café de l'Étoile": "cafe-de-l-etoile",
        "Old-Town": "old-town-2",
        "St. Mary": "st-mary",
        "St Mary": "st-mary-2",
        "!!!": "area",
    }


def test_importing_the_same_file_again_replaces_the_shapes(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    path = write(tmp_path, ("Центр", square(0)), ("Old Town", box_of("Old Town")))
    first = runner.invoke(args=["import-areas", str(path)])
    again = runner.invoke(args=["import-areas", str(path)])

    assert "1 areas added, 1 updated." in first.output
    assert "0 areas added, 2 updated." in again.output
    assert slugs(app) == {**CITY, "Центр": "центр"}


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("old  TOWN", ["feature 2 ('old TOWN')", "reads as the existing area 'Old Town'"]),
        ("Riverside\u200b", ["feature 2 ('Riverside\\u200b')", "characters drawn as nothing"]),
    ],
)
def test_a_name_that_reads_as_an_existing_area_is_refused_and_nothing_imported(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path, name: str, words: list[str]
) -> None:
    path = write(tmp_path, ("Центр", square(0)), (name, square(1)))

    result = runner.invoke(args=["import-areas", str(path)])

    refused(result, str(path), *words)
    assert slugs(app) == CITY


def test_two_features_that_read_alike_are_refused(app: Flask, runner: FlaskCliRunner, tmp_path: Path) -> None:
    path = write(tmp_path, ("Elm Park", square(0)), ("ELM PARK", square(1)))

    result = runner.invoke(args=["import-areas", str(path)])

    refused(result, "feature 2 ('ELM PARK'): reads as the name of feature 1 ('Elm Park')")
    assert slugs(app) == CITY


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("X" * 200, "Name must be at most 120 characters (it has 200)."),
        ("Old\u202eTown", "Name must not contain line breaks or control characters"),
        ("North\nEnd", "Name must not contain line breaks or control characters"),
        ("\u200b\u2800", "Name is required."),
    ],
)
def test_area_names_follow_the_rules_of_names(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path, name: str, words: str
) -> None:
    path = write(tmp_path, ("Центр", square(0)), (name, square(1)))

    result = runner.invoke(args=["import-areas", str(path)])

    refused(result, "feature 2 (", words)
    assert slugs(app) == CITY


def test_a_name_of_120_characters_is_kept_whole(app: Flask, runner: FlaskCliRunner, tmp_path: Path) -> None:
    name = "Я" * 120
    result = runner.invoke(args=["import-areas", str(write(tmp_path, (f"  {name} ", square(0))))])

    assert result.exit_code == 0, result.output
    assert slugs(app)[name] == "я" * 116


def test_a_file_not_in_utf8_is_named(app: Flask, runner: FlaskCliRunner, tmp_path: Path) -> None:
    path = tmp_path / "latin1.geojson"
    text = json.dumps(
        {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": "Café"}}]},
        ensure_ascii=False,
    )
    path.write_bytes(text.encode("latin-1"))

    result = runner.invoke(args=["import-areas", str(path)])

    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.output.strip() == f"Error: {path}: not a UTF-8 text file"


def test_an_area_over_another_is_refused_unless_allowed(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    path = write(tmp_path, ("Центр", square(0)), ("Old Town West", box_of("Old Town")))

    result = runner.invoke(args=["import-areas", str(path)])

    refused(result, "feature 2 ('Old Town West') overlaps the area 'Old Town' on 100% of the smaller one")
    assert slugs(app) == CITY

    allowed = runner.invoke(args=["import-areas", str(path), "--allow-overlap"])
    assert allowed.exit_code == 0, allowed.output
    assert slugs(app) == {**CITY, "Центр": "центр", "Old Town West": "old-town-west"}


def test_a_new_shape_over_a_neighbour_or_two_features_alike_are_refused(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    # Old Town grown east over 60% of Riverside.
    grown = runner.invoke(
        args=["import-areas", str(write(tmp_path, ("Old Town", box_of("Old Town", 0.006))))]
    )
    twice = runner.invoke(args=["import-areas", str(write(tmp_path, ("A", square(0)), ("B", square(0))))])

    refused(grown, "feature 1 ('Old Town') overlaps the area 'Riverside' on 60% of the smaller one")
    refused(twice, "feature 2 ('B') overlaps feature 1 ('A') on 100%")
    assert slugs(app) == CITY


def test_rename_area_renames_it_and_its_places_and_is_audited(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path, make_issue: Callable[..., Issue]
) -> None:
    issue = make_issue(place=OLD_TOWN)
    runner.invoke(args=["import-streets", str(write_streets(tmp_path))])

    result = runner.invoke(args=["rename-area", "old town", "Altstadt"])

    assert result.exit_code == 0, result.output
    assert "Renamed 'Old Town' to 'Altstadt' (slug altstadt); 1 of 1 problems' places named again." in (
        result.output
    )
    assert slugs(app) == {"Altstadt": "altstadt", "Riverside": "riverside", "Hillside": "hillside"}
    with app.app_context():
        assert db.session.get(Issue, issue.id).place == "near 12 Willow Drive, Altstadt"
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "area.rename"))
        assert entry is not None
        assert entry.actor_id is None
        assert (entry.target_type, entry.target_id) == ("area", str(issue.area_id))
        assert entry.details == {
            "by": "command",
            "before": "Old Town",
            "name": "Altstadt",
            "slug": "altstadt",
            "slug_before": "old-town",
        }


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ("Nowhere", "Somewhere", "name: There is no area 'Nowhere'."),
        ("Old Town", "RIVERSIDE", "name: The area 'Riverside' already has that name: choose another."),
        ("Old Town", "Old Town", "name: The area is already named 'Old Town'."),
        ("Old Town", "X" * 121, "name: Name must be at most 120 characters (it has 121)."),
        ("Old Town", "Old\u202eTown", "name: Name must not contain line breaks or control characters"),
    ],
)
def test_rename_area_refusals_are_named(
    app: Flask, runner: FlaskCliRunner, old: str, new: str, words: str
) -> None:
    result = runner.invoke(args=["rename-area", old, new])

    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert words in result.output
    assert slugs(app) == CITY
    with app.app_context():
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "area.rename")) is None


def test_rename_area_fixes_the_case_of_a_name(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["rename-area", "Old Town", "Old town"])

    assert result.exit_code == 0, result.output
    assert slugs(app)["Old town"] == "old-town"


def test_a_name_with_a_zero_width_space_is_refused(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    """Found from outside: "Zero\u200bWidth" was stored, drawn as "ZeroWidth"."""
    named = runner.invoke(args=["import-areas", str(write(tmp_path, ("Zero\u200bWidth", square(0))))])
    refused(named, "feature 1", "characters drawn as nothing")
    assert slugs(app) == CITY
