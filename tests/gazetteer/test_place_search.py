"""GET /api/v1/places: streets, areas and landmarks by the start of their name or a word of it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient, FlaskCliRunner

from tests.gazetteer.streets_file import write_streets


@pytest.fixture
def streets(runner: FlaskCliRunner, tmp_path: Path) -> None:
    result = runner.invoke(args=["import-streets", str(write_streets(tmp_path))])
    assert result.exit_code == 0, result.output


def search(client: FlaskClient, query: str, **params: Any) -> list[dict[str, Any]]:
    response = client.get("/api/v1/places", query_string={"q": query, **params})
    assert response.status_code == 200, response.get_json()
    return list(response.get_json()["places"])


def labels(places: list[dict[str, Any]]) -> list[str]:
    return [p["label"] for p in places]


@pytest.mark.usefixtures("streets")
@pytest.mark.parametrize("query", ["willow", "WILLOW", "Willow Dr", "wíllów", "  willow  "])
def test_case_accents_and_spacing_do_not_matter(client: FlaskClient, query: str) -> None:
    found = search(client, query)

    assert labels(found) == ["Willow Drive, Old Town"]
    willow = found[0]
    assert willow["kind"] == "street"
    assert willow["area"] == "Old Town"
    assert willow["bbox"] == [10.001, 50.005, 10.009, 50.005]
    assert (willow["lon"], willow["lat"]) == (10.005, 50.005)


@pytest.mark.usefixtures("streets")
@pytest.mark.parametrize("query", ["eglise", "ÉGLISE", "rue de l'eg", "l eglise"])
def test_an_accented_name_is_found_typed_without_accents(client: FlaskClient, query: str) -> None:
    assert labels(search(client, query)) == ["Rue de l'Église, Riverside"]


@pytest.mark.usefixtures("streets")
def test_a_later_word_of_the_name_matches_after_whole_name_matches(client: FlaskClient) -> None:
    assert labels(search(client, "dr")) == ["Willow Drive, Old Town"]
    # "Long Street" in both areas it crosses, ordered by area then id; "Old Mill" is a landmark.
    assert labels(search(client, "long")) == ["Long Street, Old Town", "Long Street, Riverside"]
    # Landmarks are found by the start of their name.
    assert labels(search(client, "old m")) == ["Old Mill, Riverside"]


@pytest.mark.usefixtures("streets")
def test_areas_come_first_with_their_bounds(client: FlaskClient) -> None:
    found = search(client, "hill")

    assert [(p["kind"], p["label"]) for p in found] == [
        ("area", "Hillside"),
        ("street", "Hill Road, Hillside"),
    ]
    assert found[0]["bbox"] == [10.0, 50.01, 10.02, 50.018]
    assert [p["kind"] for p in search(client, "old")] == ["area", "landmark"]


def test_areas_are_found_without_any_street_imported(client: FlaskClient) -> None:
    assert labels(search(client, "river")) == ["Riverside"]


@pytest.mark.usefixtures("streets")
def test_limit_caps_the_answer(client: FlaskClient) -> None:
    # Long Street in two areas, then Rue de l'Église by its word "l".
    assert labels(search(client, "l")) == [
        "Long Street, Old Town",
        "Long Street, Riverside",
        "Rue de l'Église, Riverside",
    ]
    assert len(search(client, "l", limit=1)) == 1


@pytest.mark.usefixtures("streets")
def test_nothing_found_is_an_empty_list(client: FlaskClient) -> None:
    assert search(client, "zebra") == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "q"),
        ({"q": ""}, "q"),
        ({"q": "   "}, "q"),
        ({"q": "!!!"}, "q"),
        ({"q": "a" * 101}, "q"),
        ({"q": "willow", "limit": "0"}, "limit"),
        ({"q": "willow", "limit": "21"}, "limit"),
        ({"q": "willow", "limit": "ten"}, "limit"),
    ],
)
def test_bad_input_is_a_json_error_naming_the_field(
    client: FlaskClient, params: dict[str, str], field: str
) -> None:
    response = client.get("/api/v1/places", query_string=params)

    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == field
