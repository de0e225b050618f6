"""geo.place_names and geo.streets: folded search keys, readable places, nearest lines in metres."""

from __future__ import annotations

import json

import pytest
from shapely.geometry import LineString, MultiLineString

from geo.place_names import describe, fold, prefix_bound, word_tails
from geo.streets import GazetteerError, nearest_line, read_gazetteer


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Rue de l'Église", "rue de l eglise"),
        ("  WILLOW   Drive ", "willow drive"),
        ("Straße des 17. Juni", "strasse des 17 juni"),
        ("Øster Allé", "oster alle"),
        ("!!!", ""),
    ],
)
def test_fold_drops_case_accents_and_punctuation(name: str, key: str) -> None:
    assert fold(name) == key


def test_word_tails_and_prefix_bounds() -> None:
    assert word_tails("rue de l eglise") == ["rue de l eglise", "de l eglise", "l eglise", "eglise"]
    assert prefix_bound("wil") == "wim"
    assert prefix_bound("willow") > "willow drive"
    assert prefix_bound("willow") <= "willox"


def test_describe_reads_as_a_place() -> None:
    assert describe("Willow Drive", "Station Quarter", "12") == "near 12 Willow Drive, Station Quarter"
    assert describe("Willow Drive", "Station Quarter") == "on Willow Drive, Station Quarter"
    assert describe("Willow Drive", None) == "on Willow Drive"


def test_nearest_line_measures_metres_on_the_ground() -> None:
    # At 51°N a degree of longitude is ~70 km: 0.001° east is ~70 m, 0.001° north ~111 m.
    east = LineString([(3.701, 51.0), (3.701, 51.01)])
    north = LineString([(3.69, 51.0015), (3.71, 51.0015)])
    found = nearest_line(3.7, 51.0005, [("east", east), ("north", MultiLineString([north]))], 250)

    assert found is not None
    assert found.item == "east"
    assert 69 < found.distance_m < 71
    assert nearest_line(3.7, 51.0005, [("east", east)], 50) is None


def test_ways_of_one_name_make_one_street_and_points_are_addresses_or_landmarks() -> None:
    def feature(properties: dict[str, object], geometry: object) -> dict[str, object]:
        return {"type": "Feature", "properties": properties, "geometry": geometry}

    features = [
        feature({"name": "A Street"}, {"type": "LineString", "coordinates": [[0, 0], [1, 0]]}),
        feature({"name": "A Street"}, {"type": "LineString", "coordinates": [[1, 0], [2, 0]]}),
        feature(
            {"addr:street": "A Street", "addr:housenumber": 4}, {"type": "Point", "coordinates": [1, 0.001]}
        ),
        feature({"name": "Park"}, {"type": "Point", "coordinates": [1, 1]}),
        feature({"name": "Square"}, {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}),
        feature({}, None),
    ]
    text = json.dumps({"type": "FeatureCollection", "features": features})
    gazetteer = read_gazetteer(text)

    assert [(s.name, len(s.geometry.geoms)) for s in gazetteer.streets] == [("A Street", 2)]
    assert [(a.street, a.housenumber) for a in gazetteer.addresses] == [("A Street", "4")]
    assert [lm.name for lm in gazetteer.landmarks] == ["Park"]
    with pytest.raises(GazetteerError, match="no named streets"):
        read_gazetteer('{"type": "FeatureCollection", "features": []}')
