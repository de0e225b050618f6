"""Compression: brotli or gzip as the client asks, decoding to the very bytes sent uncompressed."""

from __future__ import annotations

import gzip
import re
from collections.abc import Callable

import brotli
import pytest
from flask.testing import FlaskClient

from app.models import Issue
from tests.script_nonces import without_nonces, without_nonces_in_bytes

DECODE: dict[str, Callable[[bytes], bytes]] = {"br": brotli.decompress, "gzip": gzip.decompress}
CSRF_META = re.compile(rb'<meta name="csrf-token" content="[^"]*">')
FOLIUM_NAME = re.compile(rb"_[0-9a-f]{32}\b")

TEXT_RESPONSES = [
    ("/", "text/html"),
    ("/priorities", "text/html"),
    ("/static/css/app.css", "text/css"),
    ("/static/vendor/leaflet/leaflet.js", "text/javascript"),
    ("/api/v1/issues", "application/geo+json"),
    ("/api/v1/issues?bbox=-180,-90,180,90", "application/geo+json"),
    ("/api/v1/openapi.json", "application/json"),
    ("/feeds/issues.atom", "application/atom+xml"),
]


def comparable(body: bytes, mimetype: str) -> bytes:
    # A page's CSRF token is signed with the time, folium names each map element at random and each
    # response has its own script nonce, so two requests for a page differ there and only there.
    if mimetype != "text/html":
        return body
    return without_nonces_in_bytes(FOLIUM_NAME.sub(b"_", CSRF_META.sub(b"", body)))


@pytest.fixture
def issues(make_issue: Callable[..., Issue]) -> None:
    for n in range(12):
        make_issue(title=f"Pothole number {n} on the long street")


@pytest.mark.usefixtures("issues")
@pytest.mark.parametrize("encoding", ["br", "gzip"])
@pytest.mark.parametrize(("url", "mimetype"), TEXT_RESPONSES)
def test_text_responses_are_compressed_and_decode_to_the_same_bytes(
    client: FlaskClient, url: str, mimetype: str, encoding: str
) -> None:
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    packed = client.get(url, headers={"Accept-Encoding": f"{encoding}, identity;q=0.5"})

    assert plain.status_code == packed.status_code == 200
    assert plain.mimetype == packed.mimetype == mimetype
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == encoding
    assert "Accept-Encoding" in packed.headers["Vary"]
    for header in ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options"):
        assert without_nonces(packed.headers[header]) == without_nonces(plain.headers[header])
    assert int(packed.headers["Content-Length"]) == len(packed.data) < len(plain.data)
    decoded = DECODE[encoding](packed.data)
    assert comparable(decoded, mimetype) == comparable(plain.data, mimetype)


def test_brotli_is_preferred_when_the_browser_takes_both(client: FlaskClient) -> None:
    response = client.get("/static/css/app.css", headers={"Accept-Encoding": "gzip, deflate, br"})

    assert response.headers["Content-Encoding"] == "br"


def test_images_are_sent_as_they_are(client: FlaskClient) -> None:
    response = client.get(
        "/static/vendor/leaflet/images/marker-icon-2x.png", headers={"Accept-Encoding": "br, gzip"}
    )

    assert response.status_code == 200
    assert "Content-Encoding" not in response.headers
    assert response.data.startswith(b"\x89PNG")


def test_a_compressed_static_file_is_the_same_on_every_request(client: FlaskClient) -> None:
    """Compressed once per process, from the bytes hashed at start-up."""
    bodies = {
        client.get("/static/vendor/leaflet/leaflet.js", headers={"Accept-Encoding": "br"}).data
        for _ in range(3)
    }

    assert len(bodies) == 1
