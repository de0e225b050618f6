"""Placing a report without JavaScript: the report form's "Find it" button, as FixMyStreet offers.

Found from outside: with JavaScript off the whole report form was drawn, and only after it was filled in
and sent did the resident learn that the pin (a map tap or "Use my location") could not be placed. The
form now carries, inside <noscript>, a street or place box and a "Find it" button: the form comes back
with the places found (the gazetteer's own search), the first one chosen as the report's place (the
middle of a street), the others as buttons that choose them instead. What was typed stays; a chosen
photo must be chosen again, as after any form sent back.

The place chosen travels with the form (`placed_query`, `placed_name`), so a form sent back for another
reason still says where the report is, and a report sent with a search typed since (Enter in any box
sends the report: the form's first button is a hidden "Submit report") is searched, not filed at the
old place (found from outside: a changed search was ignored, and Enter in the title searched again).
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
PICK = "place_pick"  # the buttons that choose one of the places found: "lon,lat|words"
QUERY = "place_query"
PLACED_QUERY, PLACED_NAME = "placed_query", "placed_name"
HITS = 5
# The place's error without the script: there is no map to tap.
FIND_FIRST = "Find the street or landmark where the problem is, and press “Find it”."


@dataclass(frozen=True)
class FoundPlace:
    """What the <noscript> part of the form shows: the text searched, the places found (each with the
    value its button sends) and the words of the one the report is placed at."""

    query: str
    hits: list[tuple[str, str]]  # (words, "lon,lat|words")
    chosen: str | None  # the words of the place chosen, None when nothing was found
    said: str  # the sentence above the list


def without_script() -> bool:
    """Whether the form came from a browser without JavaScript (only then is the <noscript> box sent)."""
    return request.method == "POST" and QUERY in request.form


def asked() -> bool:
    """Whether the form was sent to find or choose a place, not to be reported: "Find it", a found
    place's button, or the report sent with a search typed since the place was chosen."""
    if request.method != "POST" or not without_script():
        return False
    if FIND in request.form or PICK in request.form:
        return True
    typed = (request.form.get(QUERY) or "").strip()
    return bool(typed) and typed != (request.form.get(PLACED_QUERY) or "").strip()


def find(form: ReportForm) -> FoundPlace:
    """Search the typed place, or take the one chosen, and put the report's pin there (form.lat, lon)."""
    query = (request.form.get(QUERY) or "").strip()[:100]
    found = _search(query)
    places = [hit for hit in found if hit.kind != "area"][:HITS]  # an area's middle is no place for a pin
    hits = [(_words(hit), f"{hit.lon:.6f},{hit.lat:.6f}|{_words(hit)}") for hit in places]
    picked = _point(request.form.get(PICK, ""))
    if picked is not None:
        lon, lat, chosen = picked
    elif hits:
        chosen = hits[0][0]
        lon, lat, _ = _point(hits[0][1]) or (0.0, 0.0, "")
    else:
        form.lat.data = form.lon.data = None
        return FoundPlace(query, [], None, _nothing(query, [hit for hit in found if hit.kind == "area"]))
    form.lat.data, form.lon.data = f"{lat:.6f}", f"{lon:.6f}"
    others = "Choose another below, or search again" if len(hits) > 1 else "Search again"
    return FoundPlace(
        query, hits, chosen, f"The report is placed at {chosen}. Not the right place? {others}."
    )


def kept(form: ReportForm) -> FoundPlace | None:
    """Where a form sent back for another reason is placed, said again (None when it is not placed)."""
    name = (request.form.get(PLACED_NAME) or "").strip()[:200]
    if not (form.lat.data and form.lon.data and name):
        return None
    query = (request.form.get(PLACED_QUERY) or "").strip()[:100]
    return FoundPlace(query, [], name, f"The report is placed at {name}.")


def _nothing(query: str, areas: list[PlaceHit]) -> str:
    """Why nothing was placed: no text, only a neighbourhood's name (`areas` found), or nothing found."""
    if not query:
        return "Type a street or a landmark, then press “Find it”."
    if areas:
        return f"“{areas[0].name}” is a neighbourhood: type a street or a landmark in it."
    return f"Nothing called “{query}” was found: try a street name or a landmark."


def _search(query: str) -> list[PlaceHit]:
    """The gazetteer's search (streets, landmarks, areas); text it cannot take (none, or only
    punctuation) finds nothing."""
    try:
        return search_places(db.session, query, 3 * HITS)
    except ValidationError:
        return []


def _words(hit: PlaceHit) -> str:
    return f"{hit.name}, {hit.area}" if hit.area else hit.name


def _point(raw: str) -> tuple[float, float, str] | None:
    """A found place's "lon,lat|words" (None unless two finite numbers: a forged value picks nothing)."""
    at, _, words = raw.partition("|")
    parts = at.split(",")
    if len(parts) != 2:
        return None
    try:
        lon, lat = float(parts[0]), float(parts[1])
    except ValueError:
        return None
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        return None
    return lon, lat, words.strip()[:200] or "the place you chose"
