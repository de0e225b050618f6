"""geo.areas and geo.geojson: point-in-area lookup, the city boundary, reading area files."""

from __future__ import annotations

import json
from typing import Any

import pytest
from shapely.geometry import LinearRing, MultiPolygon, Polygon, box

from geo.areas import AreaError, AreaIndex, AreaShape, Overlap, as_multipolygon, overlap_share, overlaps
from geo.geojson import feature_collection, geometry_of, point_feature, read_areas

RING_WITH_HOLE = Polygon([(10, 0), (14, 0), (14, 4), (10, 4)], holes=[[(11, 1), (13, 1), (13, 3), (11, 3)]])


@pytest.fixture
def index() -> AreaIndex:
    return AreaIndex(
        [
            AreaShape(2, "East", MultiPolygon([box(1, 0, 2, 1)])),
            AreaShape(1, "West", MultiPolygon([box(0, 0, 1, 1)])),
            AreaShape(3, "Ring", MultiPolygon([RING_WITH_HOLE])),
        ]
    )


def test_locate_finds_the_area_holding_the_point(index: AreaIndex) -> None:
    west, east = index.locate(0.5, 0.5), index.locate(1.5, 0.5)

    assert west is not None
    assert (west.id, west.name) == (1, "West")
    assert east is not None
    assert east.name == "East"


def test_a_point_on_a_shared_border_goes_to_the_lowest_id(index: AreaIndex) -> None:
    on_border = index.locate(1.0, 0.5)

    assert on_border is not None
    assert on_border.id == 1


def test_the_outer_edge_of_the_city_belongs_to_it(index: AreaIndex) -> None:
    assert index.contains(0.0, 0.0)
    assert index.contains(2.0, 1.0)


@pytest.mark.parametrize(("lon", "lat"), [(5.0, 5.0), (2.0001, 0.5), (12.0, 2.0), (-0.5, 0.5)])
def test_points_outside_every_area_or_in_a_hole_are_outside_the_city(
    index: AreaIndex, lon: float, lat: float
) -> None:
    assert index.locate(lon, lat) is None
    assert not index.contains(lon, lat)


def test_the_boundary_is_the_union_of_the_areas(index: AreaIndex) -> None:
    assert index.boundary.area == pytest.approx(1 + 1 + (16 - 4))
    assert index.boundary.covers(box(0, 0, 2, 1))


def test_an_empty_index_contains_nothing() -> None:
    assert AreaIndex([]).locate(0, 0) is None


def test_polygons_become_multipolygons_and_bowties_are_repaired() -> None:
    assert as_multipolygon(box(0, 0, 1, 1)).geom_type == "MultiPolygon"
    bowtie = Polygon([(0, 0), (2, 2), (2, 0), (0, 2)])

    repaired = as_multipolygon(bowtie)

    assert repaired.is_valid
    assert repaired.area == pytest.approx(2.0)


def area_feature(name: Any, geometry: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": {"name": name}, "geometry": geometry}


SQUARE = {"type": "Polygon", "coordinates": [[[10, 50], [10.01, 50], [10.01, 50.01], [10, 50.01], [10, 50]]]}


def test_read_areas_returns_named_multipolygons() -> None:
    text = json.dumps(feature_collection([area_feature(" Old Town ", SQUARE)]))

    (area,) = read_areas(text)

    assert area.name == "Old Town"
    assert area.geometry.geom_type == "MultiPolygon"
    assert area.geometry.bounds == (10, 50, 10.01, 50.01)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("{not json", "not valid JSON: Expecting property name enclosed in double quotes at line 1"),
        (json.dumps({"type": "Feature"}), "expected a GeoJSON FeatureCollection"),
        (json.dumps([1, 2]), "expected a GeoJSON FeatureCollection"),
        (json.dumps(feature_collection([])), "the file holds no areas"),
        (json.dumps(feature_collection([area_feature("", SQUARE)])), "feature 1 has no 'name' property"),
        (
            json.dumps(feature_collection([area_feature("A", SQUARE), area_feature("A", SQUARE)])),
            "feature 2: the name 'A' is used twice",
        ),
        (
            json.dumps(feature_collection([area_feature("A", {"type": "Point", "coordinates": [10, 50]})])),
            "feature 1 (A): an area must be a Polygon or MultiPolygon, not Point",
        ),
        (
            json.dumps(feature_collection([area_feature("A", {"type": "Polygon"})])),
            "feature 1 (A): unreadable geometry",
        ),
        (
            json.dumps(feature_collection([area_feature("A", None)])),
            "feature 1 (A): unreadable geometry",
        ),
        (
            json.dumps(
                feature_collection(
                    [
                        area_feature(
                            "Metres",
                            {"type": "Polygon", "coordinates": [[[0, 0], [500000, 0], [0, 500000], [0, 0]]]},
                        )
                    ]
                )
            ),
            "feature 1 (Metres): coordinates are not lon/lat in EPSG:4326",
        ),
        (
            json.dumps({"type": "FeatureCollection", "features": ["not a feature"]}),
            "feature 1 is not a GeoJSON Feature object",
        ),
        (
            json.dumps({"type": "FeatureCollection", "features": {"a": 1}}),
            "the FeatureCollection's 'features'",
        ),
        (
            json.dumps(feature_collection([{"type": "Feature", "properties": ["A"], "geometry": SQUARE}])),
            "feature 1: 'properties' must be an object",
        ),
    ],
)
def test_read_areas_explains_what_is_wrong(document: str, message: str) -> None:
    with pytest.raises(AreaError) as caught:
        read_areas(document)

    assert str(caught.value).startswith(message)


def test_point_features_are_lon_lat() -> None:
    feature = point_feature(7, 10.1234568, 50.9876543, {"title": "x"})

    assert feature == {
        "type": "Feature",
        "id": 7,
        "geometry": {"type": "Point", "coordinates": [10.1234568, 50.9876543]},
        "properties": {"title": "x"},
    }


def test_polygons_go_out_wound_as_rfc_7946_asks() -> None:
    """Found from outside: every area's outer ring went out clockwise, as its source drew it."""
    outer = [(0, 0), (0, 4), (4, 4), (4, 0), (0, 0)]  # clockwise
    hole = [(1, 1), (2, 1), (2, 2), (1, 2), (1, 1)]  # counterclockwise
    drawn = MultiPolygon([Polygon(outer, [hole])])
    assert not LinearRing(outer).is_ccw

    (rings,) = geometry_of(drawn)["coordinates"]

    assert LinearRing(rings[0]).is_ccw  # the outer ring counterclockwise
    assert not LinearRing(rings[1]).is_ccw  # its hole clockwise
    assert Polygon(rings[0], [rings[1]]).equals(drawn.geoms[0])  # the same shape


def test_overlap_share_is_of_the_smaller_area() -> None:
    big, inside, neighbour = box(0, 0, 2, 2), box(0, 0, 1, 1), box(2, 0, 3, 2)
    half_over = box(1.5, 0, 3.5, 2)

    assert overlap_share(big, inside) == overlap_share(inside, big) == 1.0
    assert overlap_share(big, neighbour) == 0.0  # a shared border covers nothing
    assert overlap_share(big, half_over) == pytest.approx(0.25)
    assert overlap_share(big, box(5, 5, 5, 5)) == 0.0  # an empty shape


def test_overlaps_names_pairs_over_half_that_involve_the_given_shapes() -> None:
    """Found from outside: Elm Park's own polygon imported again as "Elm Park West" was stored beside it;
    every report there went to the older area."""
    shapes = [
        box(0, 0, 1, 1),  # 0: an existing area
        box(1, 0, 2, 1),  # 1: its neighbour
        box(0, 0, 1, 1),  # 2: the first one again, under another name
        box(1.25, 0, 2.25, 1),  # 3: covers 75% of the neighbour
        box(0.5, 0, 1.5, 1),  # 4: half of itself in each of the first two: not more than half
    ]

    assert overlaps(shapes, [2, 3, 4]) == [Overlap(0, 2, 1.0), Overlap(1, 3, 0.75)]
    assert overlaps(shapes, [4]) == []
    assert overlaps(shapes, [4], limit=0.3) == [
        Overlap(0, 4, 0.5),
        Overlap(1, 4, 0.5),
        Overlap(2, 4, 0.5),
    ]
