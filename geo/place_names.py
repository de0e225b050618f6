"""Place names for search and for reading: folded search keys and the sentence that says where a point is."""

from __future__ import annotations

import re
import unicodedata

KEY_MAX = 200
NAME_MAX = 200
HOUSENUMBER_MAX = 20
_NOT_WORD = re.compile(r"[^0-9a-z]+")
# Letters that Unicode decomposition keeps whole but a resident types as plain Latin letters.
_SPELLED_OUT = str.maketrans({"ß": "ss", "æ": "ae", "ø": "o", "đ": "d", "ł": "l", "þ": "th", "œ": "oe"})


def fold(text: str) -> str:
    """The search key of a name: lower case, accents dropped, punctuation as single spaces.

    "Rue de l'Église" and "rue de l eglise" fold the same, so a prefix typed either way finds it.
    """
    lowered = text.casefold().translate(_SPELLED_OUT)
    decomposed = unicodedata.normalize("NFKD", lowered)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NOT_WORD.sub(" ", plain).strip()[:KEY_MAX].strip()


def word_tails(key: str) -> list[str]:
    """The key from each word on: "willow drive" -> ["willow drive", "drive"], so typing any word's
    start finds the name (the first tail is the whole name)."""
    words = key.split(" ")
    return [" ".join(words[i:]) for i in range(len(words)) if words[i]]


def prefix_bound(prefix: str) -> str:
    """The smallest key greater than every key starting with `prefix` (for an index range scan)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def describe(street: str, area: str | None, housenumber: str | None = None) -> str:
    """A readable place: "near 12 Willow Drive, Station Quarter" or "on Willow Drive, Station Quarter"."""
    where = f"near {housenumber} {street}" if housenumber else f"on {street}"
    return f"{where}, {area}" if area else where
