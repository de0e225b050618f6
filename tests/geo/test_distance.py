"""geo.distance and geo.nearby: distances against published values, search boxes, nearest first."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.distance import MEAN_RADIUS_M, bbox_around, distance_m, haversine_m
from geo.nearby import Located, nearest_within


def dms(degrees: int, minutes: int, seconds: float) -> float:
    return degrees + minutes / 60 + seconds / 3600


@pytest.mark.parametrize(
    ("start", "end", "expected_m"),
    [
        # Vincenty (1975) / Geoscience Australia's worked example: Flinders Peak to Buninyong.
        (
            (dms(144, 25, 29.52440), -dms(37, 57, 3.72030)),
            (dms(143, 55, 35.38390), -dms(37, 39, 10.15610)),
            54_972.271,
        ),
        ((0.0, 0.0), (1.0, 0.0), 111_319.491),  # one degree along the equator: a * pi / 180
        ((0.0, 0.0), (0.0, 90.0), 10_001_965.729),  # WGS84 quarter meridian
        ((0.0, -90.0), (0.0, 90.0), 20_003_931.459),  # pole to pole
    ],
)
def test_vincenty_matches_published_distances_to_the_millimetre(
    start: tuple[float, float], end: tuple[float, float], expected_m: float
) -> None:
    assert distance_m(*start, *end) == pytest.approx(expected_m, abs=0.001)
    assert distance_m(*end, *start) == pytest.approx(expected_m, abs=0.001)


def test_distance_to_the_same_point_is_zero() -> None:
    assert distance_m(10.005, 50.005, 10.005, 50.005) == 0.0


def test_city_scale_distance_is_close_to_the_spherical_estimate() -> None:
    ellipsoidal = distance_m(10.0, 50.0, 10.002, 50.001)

    assert ellipsoidal == pytest.approx(haversine_m(10.0, 50.0, 10.002, 50.001), rel=0.005)
    assert 180 < ellipsoidal < 183  # 143 m east, 111 m north


def test_nearly_antipodal_points_fall_back_instead_of_failing() -> None:
    distance = distance_m(0.0, 0.0, 179.7, 0.5)

    assert math.isfinite(distance)
    assert 19_900_000 < distance <= math.pi * MEAN_RADIUS_M


def destination(lon: float, lat: float, bearing_deg: float, metres: float) -> tuple[float, float]:
    """A point `metres` away on the mean sphere (close to, not exactly, the ellipsoidal distance)."""
    delta = metres / MEAN_RADIUS_M
    theta, phi1, lam1 = math.radians(bearing_deg), math.radians(lat), math.radians(lon)
    phi2 = math.asin(math.sin(phi1) * math.cos(delta) + math.cos(phi1) * math.sin(delta) * math.cos(theta))
    lam2 = lam1 + math.atan2(
        math.sin(theta) * math.sin(delta) * math.cos(phi1), math.cos(delta) - math.sin(phi1) * math.sin(phi2)
    )
    return math.degrees(lam2), math.degrees(phi2)


@settings(max_examples=300, deadline=None)
@given(
    lon=st.floats(-179.0, 179.0),
    lat=st.floats(-89.0, 89.0),
    radius_m=st.floats(1.0, 50_000.0),
    bearing=st.floats(0.0, 360.0),
    fraction=st.floats(0.0, 1.0),
)
def test_bbox_around_contains_every_point_within_the_radius(
    lon: float, lat: float, radius_m: float, bearing: float, fraction: float
) -> None:
    box = bbox_around(lon, lat, radius_m)
    p_lon, p_lat = destination(lon, lat, bearing, radius_m * fraction)
    if -180 <= p_lon <= 180 and distance_m(lon, lat, p_lon, p_lat) <= radius_m:
        assert box.min_lon <= p_lon <= box.max_lon
        assert box.min_lat <= p_lat <= box.max_lat
    assert box.min_lon <= lon <= box.max_lon
    assert box.min_lat <= lat <= box.max_lat


def test_bbox_around_is_not_wastefully_large() -> None:
    box = bbox_around(10.0, 50.0, 250)

    height_m = distance_m(10.0, box.min_lat, 10.0, box.max_lat)
    width_m = distance_m(box.min_lon, 50.0, box.max_lon, 50.0)
    assert 500 <= height_m < 520
    assert 500 <= width_m < 520


def test_nearest_within_keeps_the_radius_and_orders_nearest_first() -> None:
    candidates = [
        Located("far", 10.0, 50.003),  # ~334 m
        Located("near", 10.0, 50.0005),  # ~56 m
        Located("mid", 10.001, 50.001),  # ~133 m
        Located("here", 10.0, 50.0),
    ]

    found = nearest_within(10.0, 50.0, candidates, radius_m=250, limit=5)

    assert [n.item for n in found] == ["here", "near", "mid"]
    assert found[0].distance_m == 0.0
    assert found[1].distance_m == pytest.approx(55.6, abs=0.5)


def test_nearest_within_stops_at_the_limit() -> None:
    candidates = [Located(i, 10.0, 50.0 + i * 0.00001) for i in range(10, 0, -1)]

    assert [n.item for n in nearest_within(10.0, 50.0, candidates, 250, limit=3)] == [1, 2, 3]
