"""Geocoders: who names the place of a point. The gazetteer is the default and every other one's fallback;
a self-hosted Nominatim or Photon is asked over HTTP when GEOCODER_URL is set."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from flask import current_app

from app.database.sessions import DbSession
from app.services.gazetteer.lookup import Radii, gazetteer_place, store_places
from geo.place_names import HOUSENUMBER_MAX, NAME_MAX, describe

log = logging.getLogger(__name__)
USER_AGENT = "Commonfix reverse geocoding"


class Geocoder(Protocol):
    def place_of(self, session: DbSession, lon: float, lat: float, area: str | None) -> str | None:
        """A readable place for (lon, lat) in `area` (our neighbourhood's name), or None."""
        ...


class GazetteerGeocoder:
    """The streets imported with `import-streets`, in our own database."""

    def __init__(self, radii: Radii) -> None:
        self.radii = radii

    def place_of(self, session: DbSession, lon: float, lat: float, area: str | None) -> str | None:
        return gazetteer_place(session, lon, lat, area, self.radii)


def _nominatim(lon: float, lat: float) -> tuple[str, dict[str, str]]:
    query = {
        "format": "jsonv2",
        "lat": f"{lat:.7f}",
        "lon": f"{lon:.7f}",
        "zoom": "18",
        "addressdetails": "1",
    }
    return "/reverse?" + urllib.parse.urlencode(query), {}


def _nominatim_street(answer: Any) -> tuple[str, str]:
    address = answer.get("address") if isinstance(answer, dict) else None
    if not isinstance(address, dict):
        return "", ""
    street = address.get("road") or address.get("pedestrian") or address.get("footway") or ""
    return str(street), str(address.get("house_number") or "")


def _photon(lon: float, lat: float) -> tuple[str, dict[str, str]]:
    return "/reverse?" + urllib.parse.urlencode({"lon": f"{lon:.7f}", "lat": f"{lat:.7f}"}), {}


def _photon_street(answer: Any) -> tuple[str, str]:
    features = answer.get("features") if isinstance(answer, dict) else None
    if not isinstance(features, list) or not features or not isinstance(features[0], dict):
        return "", ""
    props = features[0].get("properties") or {}
    if not isinstance(props, dict):
        return "", ""
    street = props.get("street") or (props.get("name") if props.get("osm_key") == "highway" else "")
    return str(street or ""), str(props.get("housenumber") or "")


SERVICES: dict[
    str, tuple[Callable[[float, float], tuple[str, dict[str, str]]], Callable[[Any], tuple[str, str]]]
] = {
    "nominatim": (_nominatim, _nominatim_street),
    "photon": (_photon, _photon_street),
}


class HttpGeocoder:
    """A self-hosted Nominatim or Photon. Any failure (refused, timed out, an error status, an answer
    without a street) falls back to the gazetteer, so reporting never waits on or fails with it."""

    def __init__(self, service: str, url: str, timeout: float, fallback: Geocoder) -> None:
        self.request, self.read = SERVICES[service]
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.fallback = fallback

    def _ask(self, lon: float, lat: float) -> tuple[str, str]:
        path, headers = self.request(lon, lat)
        request = urllib.request.Request(self.url + path, headers={"User-Agent": USER_AGENT, **headers})
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            return self.read(json.loads(response.read(1_000_000)))

    def place_of(self, session: DbSession, lon: float, lat: float, area: str | None) -> str | None:
        try:
            street, housenumber = self._ask(lon, lat)
        except (OSError, ValueError, urllib.error.URLError) as exc:
            log.warning("geocoder %s failed (%s); using the gazetteer", self.url, exc)
            street = housenumber = ""
        street, housenumber = " ".join(street.split())[:NAME_MAX], housenumber.strip()[:HOUSENUMBER_MAX]
        if not street:
            return self.fallback.place_of(session, lon, lat, area)
        return describe(street, area, housenumber or None)


def geocoder_for(config: Mapping[str, Any]) -> Geocoder:
    """The geocoder the configuration names (GEOCODER, GEOCODER_URL, GEOCODER_TIMEOUT)."""
    gazetteer = GazetteerGeocoder(
        Radii(config["GAZETTEER_STREET_RADIUS_M"], config["GAZETTEER_ADDRESS_RADIUS_M"])
    )
    service = config.get("GEOCODER", "gazetteer")
    if service == "gazetteer":
        return gazetteer
    if service not in SERVICES:
        raise ValueError(f"GEOCODER must be gazetteer, nominatim or photon, not {service!r}")
    if not config.get("GEOCODER_URL"):
        raise ValueError(f"GEOCODER={service} needs GEOCODER_URL (the service's base URL)")
    return HttpGeocoder(service, config["GEOCODER_URL"], float(config["GEOCODER_TIMEOUT"]), gazetteer)


def configured_geocoder() -> Geocoder:
    return geocoder_for(current_app.config)


def place_issues(session: DbSession, geocoder: Geocoder, rows: list[tuple[int, float, float, str]]) -> int:
    """Name the place of each (id, lon, lat, area) issue; returns how many got one."""
    places = {issue_id: geocoder.place_of(session, lon, lat, area) for issue_id, lon, lat, area in rows}
    store_places(session, places)
    return sum(1 for place in places.values() if place)
