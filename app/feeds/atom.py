"""Atom 1.0 (RFC 4287) documents built with xml.etree, so every text is escaped by the serializer."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from app.models.timestamps import rfc3339

ATOM_NS = "http://www.w3.org/2005/Atom"
MIMETYPE = "application/atom+xml"
# Characters XML 1.0 cannot carry at all, even escaped (C0 controls other than tab, LF, CR; U+FFFE/FFFF).
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class Entry:
    id: str  # a permanent IRI
    title: str
    updated: datetime  # naive UTC
    link: str
    summary: str
    author: str
    category: str | None = None
    published: datetime | None = None  # naive UTC; `updated` when the entry never changed


# An empty feed's <updated>: no entry says when it last changed, and "now" would change its body, so its
# ETag, every second, and no conditional GET would ever get a 304. The epoch says "never", the same each time.
EMPTY_FEED_UPDATED = datetime(1970, 1, 1)


def latest_update(entries: Sequence[Entry]) -> datetime:
    """A feed's <updated>: its newest entry's (RFC 4287 4.2.15), EMPTY_FEED_UPDATED without entries."""
    return max((entry.updated for entry in entries), default=EMPTY_FEED_UPDATED)


def _text(parent: ET.Element, tag: str, text: str, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    element.text = NOT_XML.sub("", text)
    return element


def feed_document(
    *,
    feed_id: str,
    title: str,
    subtitle: str,
    self_url: str,
    alternate_url: str,
    updated: datetime,
    entries: Sequence[Entry],
    generator: str = "Commonfix",
) -> bytes:
    """The serialized feed (UTF-8 with an XML declaration); entries in the order given."""
    feed = ET.Element("feed", {"xmlns": ATOM_NS})
    _text(feed, "id", feed_id)
    _text(feed, "title", title)
    _text(feed, "subtitle", subtitle)
    _text(feed, "updated", rfc3339(updated))
    ET.SubElement(feed, "link", {"rel": "self", "type": MIMETYPE, "href": self_url})
    ET.SubElement(feed, "link", {"rel": "alternate", "type": "text/html", "href": alternate_url})
    author = ET.SubElement(feed, "author")
    _text(author, "name", generator)
    _text(feed, "generator", generator)
    for item in entries:
        entry = ET.SubElement(feed, "entry")
        _text(entry, "id", item.id)
        _text(entry, "title", item.title)
        _text(entry, "updated", rfc3339(item.updated))
        _text(entry, "published", rfc3339(item.published or item.updated))
        ET.SubElement(entry, "link", {"rel": "alternate", "type": "text/html", "href": item.link})
        entry_author = ET.SubElement(entry, "author")
        _text(entry_author, "name", item.author)
        if item.category:
            ET.SubElement(entry, "category", {"term": item.category})
        _text(entry, "summary", item.summary, type="text")
    # typeshed types tostring() as Any for an encoding other than "unicode"; it is bytes for "utf-8".
    document: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return document
