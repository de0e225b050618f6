"""Self-hosted Nominatim or Photon as the geocoder, asked over real HTTP; the gazetteer takes over when
it fails, answers nonsense or is too slow."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from app.models import Issue
from app.services.gazetteer.geocoders import geocoder_for
from tests.gazetteer.streets_file import write_streets
from tests.testcity import OLD_TOWN

MakeIssue = Callable[..., Issue]


class FakeGeocoderHandler(BaseHTTPRequestHandler):
    """Answers /reverse as the server's `mode` says: nominatim, photon, error, slow or garbage."""

    def do_GET(self) -> None:
        server: Any = self.server
        server.requests.append(self.path)
        query = parse_qs(urlsplit(self.path).query)
        mode = server.mode
        if mode == "slow":
            time.sleep(1.5)
        if mode == "error":
            self.send_response(500)
            self.end_headers()
            return
        if mode == "nominatim":
            body: Any = {"address": {"road": "Rue Haute", "house_number": "7", "suburb": "Theirs"}}
        elif mode == "photon":
            body = {"features": [{"properties": {"osm_key": "highway", "name": "Kerkstraat"}}]}
        else:
            body = "not what a geocoder says"
        assert "lat" in query
        assert "lon" in query
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def geocoder_server() -> Iterator[Any]:
    server: Any = ThreadingHTTPServer(("127.0.0.1", 0), FakeGeocoderHandler)
    server.requests = []
    server.mode = "nominatim"
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def streets(runner: FlaskCliRunner, tmp_path: Path) -> None:
    runner.invoke(args=["import-streets", str(write_streets(tmp_path))])


def use(app: Flask, service: str, url: str) -> None:
    app.config.update(GEOCODER=service, GEOCODER_URL=url, GEOCODER_TIMEOUT=0.5)


@pytest.mark.parametrize(
    ("service", "expected"),
    [("nominatim", "near 7 Rue Haute, Old Town"), ("photon", "on Kerkstraat, Old Town")],
)
def test_a_configured_service_names_the_place(
    app: Flask, make_issue: MakeIssue, geocoder_server: Any, service: str, expected: str
) -> None:
    geocoder_server.mode = service
    use(app, service, geocoder_server.url)

    assert make_issue(place=OLD_TOWN).place == expected
    assert geocoder_server.requests
    assert geocoder_server.requests[0].startswith("/reverse?")


@pytest.mark.parametrize("mode", ["error", "slow", "garbage"])
def test_the_gazetteer_takes_over_when_the_service_fails(
    app: Flask, make_issue: MakeIssue, geocoder_server: Any, mode: str
) -> None:
    geocoder_server.mode = mode
    use(app, "nominatim", geocoder_server.url)

    assert make_issue(place=OLD_TOWN).place == "near 12 Willow Drive, Old Town"
    assert geocoder_server.requests  # it was asked


def test_a_refused_connection_falls_back_too(app: Flask, make_issue: MakeIssue, geocoder_server: Any) -> None:
    url = geocoder_server.url
    geocoder_server.shutdown()
    geocoder_server.server_close()
    use(app, "photon", url)

    assert make_issue(place=OLD_TOWN).place == "near 12 Willow Drive, Old Town"


def test_a_service_without_its_url_or_an_unknown_one_is_refused_at_configuration(app: Flask) -> None:
    base = dict(app.config)
    with pytest.raises(ValueError, match="needs GEOCODER_URL"):
        geocoder_for({**base, "GEOCODER": "nominatim", "GEOCODER_URL": None})
    with pytest.raises(ValueError, match="gazetteer, nominatim or photon"):
        geocoder_for({**base, "GEOCODER": "google"})
