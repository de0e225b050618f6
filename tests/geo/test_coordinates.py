"""geo.coordinates: latitude, longitude and bounding boxes parsed from untrusted input."""

from __future__ import annotations

import pytest

from geo.coordinates import BBox, CoordinateError, parse_bbox, parse_lat, parse_lon


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("50.5", 50.5), (" -12.25 ", -12.25), (90, 90.0), (-90.0, -90.0), ("0", 0.0), ("1e1", 10.0)],
)
def test_latitude_accepts_numbers_and_numeric_strings(raw: object, expected: float) -> None:
    assert parse_lat(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (None, "lat is required and must be a number"),
        ("", "lat is required and must be a number"),
        ("   ", "lat is required and must be a number"),
        (True, "lat is required and must be a number"),
        ("north", "lat must be a number, not 'north'"),
        (
            "\u0665\u0661.\u0660\u0665",
            "lat must be a number, not '\u0665\u0661.\u0660\u0665'",
        ),  # Arabic-Indic digits: 51.05
        ("\uff15\uff11", "lat must be a number, not '\uff15\uff11'"),  # fullwidth 51
        ("5_1", "lat must be a number, not '5_1'"),
        ([50], "lat must be a number"),
        ("nan", "lat must be a finite number"),
        (float("inf"), "lat must be a finite number"),
        (90.0001, "lat must be between -90 and 90, not 90.0001"),
        ("-91", "lat must be between -90 and 90, not -91"),
    ],
)
def test_bad_latitude_names_the_field_and_the_reason(raw: object, message: str) -> None:
    with pytest.raises(CoordinateError) as caught:
        parse_lat(raw)

    assert caught.value.field == "lat"
    assert caught.value.message == message


@pytest.mark.parametrize("raw", ["180.5", -180.01, "1000"])
def test_longitude_outside_the_globe_is_refused(raw: object) -> None:
    with pytest.raises(CoordinateError) as caught:
        parse_lon(raw)

    assert caught.value.field == "lon"
    assert "between -180 and 180" in caught.value.message


def test_longitude_accepts_both_antimeridian_edges() -> None:
    assert (parse_lon("-180"), parse_lon(180)) == (-180.0, 180.0)


def test_custom_field_name_is_reported() -> None:
    with pytest.raises(CoordinateError) as caught:
        parse_lat("x", field="latitude")

    assert caught.value.field == "latitude"
    assert caught.value.message == "latitude must be a number, not 'x'"


def test_bbox_is_parsed_in_lon_lat_order() -> None:
    box = parse_bbox("10.0,50.0,10.02,50.018")

    assert box == BBox(10.0, 50.0, 10.02, 50.018)
    assert box.as_list() == [10.0, 50.0, 10.02, 50.018]


def test_a_degenerate_bbox_is_allowed() -> None:
    assert parse_bbox("1,2,1,2") == BBox(1.0, 2.0, 1.0, 2.0)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("1,2,3", "bbox must be minlon,minlat,maxlon,maxlat"),
        ("1,2,3,4,5", "bbox must be minlon,minlat,maxlon,maxlat"),
        ("", "bbox must be minlon,minlat,maxlon,maxlat"),
        ("a,2,3,4", "bbox must be a number, not 'a'"),
        ("1,2,,4", "bbox is required and must be a number"),
        ("1,-95,3,4", "bbox must be between -90 and 90, not -95"),
        ("-190,2,3,4", "bbox must be between -180 and 180, not -190"),
        ("3,2,1,4", "bbox minimums must not exceed its maximums"),
        ("\u0663,\u0665\u0661,\u0664,\u0665\u0662", "bbox must be a number, not '\u0663'"),
        ("1,4,3,2", "bbox minimums must not exceed its maximums"),
    ],
)
def test_bad_bbox_names_the_field_and_the_reason(raw: str, message: str) -> None:
    with pytest.raises(CoordinateError) as caught:
        parse_bbox(raw)

    assert caught.value.field == "bbox"
    assert caught.value.message == message
