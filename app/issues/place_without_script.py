"""Placing a report without JavaScript: the report form's "Find it" button, as FixMyStreet offers.

Found from outside: with JavaScript off the whole report form was drawn, and only after it was filled in
and sent did the resident learn that the pin (a map tap or "Use my location") could not be placed. The
form now carries, inside <noscript>, a street or place box and a "Find it" button: the form is sent
back with the places found (the gazetteer's own search), the first one chosen as the report's place
(the middle of a street), the others as buttons that choose them instead. What was typed stays; a
chosen photo must be chosen again, as after any form sent back.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from flask import request

from app.extensions import db
from app.issues.forms import ReportForm
from app.services.gazetteer.search import PlaceHit, search_places
from app.services.kernel.errors import ValidationError

FIND = "find_place"  # the button that searches the typed text
PICK = "place_pick"  # the buttons that choose one of the places found: "lon,lat"
QUERY = "place_query"
HITS = 5


@dataclass(frozen=True)
class FoundPlace:
    """What the <noscript> part of the form shows after "Find it": the text searched, the places found
    (each with the "lon,lat" its button sends) and which one the report is placed at."""

    query: str
    hits: list[tuple[str, str]]  # (words, "lon,lat")
    chosen: str | None  # the words of the place chosen, None when nothing was found
    said: str  # the sentence above the list


def asked() -> bool:
    """Whether the form was sent to find or choose a place, not to be reported."""
    return request.method == "POST" and (FIND in request.form or PICK in request.form)


def find(form: ReportForm) -> FoundPlace:
    """Search the typed place, or take the one chosen, and put the report's pin there (form.lat, lon)."""
    query = (request.form.get(QUERY) or "").strip()[:100]
    hits = [(_words(hit), f"{hit.lon:.6f},{hit.lat:.6f}") for hit in _places(query)]
    picked = _point(request.form.get(PICK, ""))
    if picked is not None:
        lon, lat = picked
        chosen = next((words for words, at in hits if at == request.form[PICK]), "the place you chose")
    elif hits:
        chosen, at = hits[0]
        lon, lat = (float(part) for part in at.split(","))
    else:
        form.lat.data = form.lon.data = None
        said = (
            f"Nothing called “{query}” was found: try a street name or a landmark."
            if query
            else ("Type a street or a landmark, then press “Find it”.")
        )
        return FoundPlace(query, [], None, said)
    form.lat.data, form.lon.data = f"{lat:.6f}", f"{lon:.6f}"
    others = "Choose another below, or search again" if len(hits) > 1 else "Search again"
    said = f"The report is placed at {chosen}. Not the right place? {others}."
    return FoundPlace(query, hits, chosen, said)


def _places(query: str) -> list[PlaceHit]:
    """Streets (their middle) and landmarks called so: an area's middle is no place to pin a problem.
    Text the search cannot take (none, or only punctuation) finds nothing."""
    try:
        found = search_places(db.session, query, 3 * HITS)
    except ValidationError:
        return []
    return [hit for hit in found if hit.kind != "area"][:HITS]


def _words(hit: PlaceHit) -> str:
    return f"{hit.name}, {hit.area}" if hit.area else hit.name


def _point(raw: str) -> tuple[float, float] | None:
    """A chosen place's "lon,lat" (None unless two finite numbers: a forged value picks nothing)."""
    parts = raw.split(",")
    if len(parts) != 2:
        return None
    try:
        lon, lat = float(parts[0]), float(parts[1])
    except ValueError:
        return None
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        return None
    return lon, lat
