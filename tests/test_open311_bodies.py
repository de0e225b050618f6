"""What a GeoReport client sends when it reports: a body that is not an object or not UTF-8 is refused
as such, and the report follows the account's settings (GeoReport has no field for hiding a name)."""

from __future__ import annotations

from tests.test_open311 import report_fields
from tests.testcity import OLD_TOWN


def test_create_request_refuses_a_body_that_is_not_an_object_or_text_that_is_not_text(
    client, auth, table_counts
) -> None:
    token = auth.headers()["Authorization"].removeprefix("Bearer ")
    headers = {"Authorization": f"Bearer {token}"}
    before = table_counts()
    for body in ([1], "a string", 5):
        response = client.post("/open311/v2/requests.json", json=body, headers=headers)
        assert response.status_code == 400, body
        assert response.get_json()[0]["description"].startswith("body:")
    base = {"service_code": "pothole", "lat": OLD_TOWN.lat, "long": OLD_TOWN.lon}
    for description in (["Hole"], {"text": "Hole"}, 123, True):
        response = client.post(
            "/open311/v2/requests.json", json={**base, "description": description}, headers=headers
        )
        assert response.status_code == 400, description
        assert response.get_json()[0]["description"].startswith("description:")
    assert table_counts() == before


def test_a_form_not_in_utf8_is_refused_as_such_not_as_a_bad_key(client, auth, table_counts) -> None:
    """Found from outside: one Latin-1 byte made Werkzeug drop the whole form, answered "api_key is
    missing or invalid"; a Windows-1252 city system would chase a key problem that does not exist."""
    token = auth.headers()["Authorization"].removeprefix("Bearer ")
    before = table_counts()
    body = f"api_key={token}&service_code=pothole&lat={OLD_TOWN.lat}&long={OLD_TOWN.lon}".encode()
    response = client.post(
        "/open311/v2/requests.json",
        data=body + b"&description=caf\xe9+hole",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert response.get_json()[0]["description"] == (
        "body: Send the request's fields as a form or as one JSON object, in UTF-8."
    )
    assert table_counts() == before


def test_the_accounts_hide_my_name_setting_holds_for_georeport_clients(app, client, auth) -> None:
    """Found from outside: a report sent through Open311 named its reporter though the account hides
    its name on new reports (GeoReport has no field for it; the JSON API followed the setting)."""
    headers = auth.headers()
    hide = client.patch("/api/v1/account", json={"hide_name_default": True}, headers=headers)
    assert hide.status_code == 200, hide.get_json()
    data = report_fields(headers, "Deep pothole right outside my front door")
    response = client.post("/open311/v2/requests.json", data=data)
    assert response.status_code == 201
    new_id = int(response.get_json()[0]["service_request_id"])
    assert client.get(f"/api/v1/issues/{new_id}").get_json()["properties"]["reporter"] is None
