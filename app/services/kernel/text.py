"""Free text from residents and staff: the rules every note, title and description is cleaned by."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from app.services.kernel.errors import ValidationError

NOTE_MAX = 2000

# Direction embeddings, overrides and isolates: they reorder what follows on the page, so a name or a
# title could show other text than it holds ("Trojan Source"). Right-to-left text needs none of them.
_BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069"
# C0 and C1 controls (NUL included), DEL and the direction controls; a one-line field also refuses the
# Unicode line and paragraph separators, and a multi-line field keeps tab, line feed and carriage return.
_CONTROL_LINE = re.compile(f"[\\x00-\\x1f\\x7f-\\x9f\\u2028\\u2029{_BIDI_CONTROLS}]")
_CONTROL_TEXT = re.compile(f"[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f{_BIDI_CONTROLS}]")

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def shorten(text: str, limit: int) -> str:
    """The text on one line, at most `limit` characters: cut at a word boundary and ended with "…"
    when longer."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1].rsplit(" ", 1)[0].rstrip(",.;:")
    return cut + "…"


def first_of(items: Sequence[str], shown: int, total: int | None = None) -> str:
    """The first `shown` items and how many more ("a, b, c and 12 more"); `total` when `items` holds
    only the first of them."""
    more = (len(items) if total is None else total) - shown
    return ", ".join(items[:shown]) + (f" and {more:,} more" if more > 0 else "")


def reading_order(text: str) -> tuple[tuple[int, int | str], ...]:
    """A sort key that orders names as people read them: case ignored, numbers by value ("Resident 9"
    before "Resident 10"; found from outside: a treasurer's list read 10, 11, 12, 8, 9)."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part)
        for part in re.split(r"(\d+)", text.casefold())
        if part
    )


def safe_cell(text: str) -> str:
    """Text a spreadsheet shows as text: a leading formula character is escaped with a quote."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


# Characters drawn as nothing that are not format characters (category Cf, all invisible): fillers and
# blanks of some scripts, the combining grapheme joiner, Khmer's inherent vowels, variation selectors.
_BLANK_LOOKING = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u2800\u3164\uffa0") | frozenset(
    map(chr, [*range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0)])
)


def is_invisible(c: str) -> bool:
    """A character a page shows as nothing: a format character (zero-width spaces and joiners, the soft
    hyphen, direction marks, tags), an unassigned one (browsers draw nothing for U+2065 or U+FFF0), or
    one of `_BLANK_LOOKING`."""
    return unicodedata.category(c) in ("Cf", "Cn") or c in _BLANK_LOOKING


def is_mark(c: str) -> bool:
    """A mark drawn on the character before it (an accent, a variation selector), nothing on its own."""
    return unicodedata.category(c) in ("Mn", "Me")


def is_blank(text: str) -> bool:
    """True when nothing but whitespace, invisible characters and marks with nothing to sit on is left
    (found from outside: titles, updates and names of a Braille blank, a Hangul filler, soft hyphens,
    Mongolian variation selectors or a lone accent were stored, and showed as nothing)."""
    return all(c.isspace() or is_invisible(c) or is_mark(c) for c in text)


def one_newline(text: str | None) -> str | None:
    """Line breaks as one character each: a browser sends each as CR LF, so a text that fits a
    textarea's maxlength counted twice per line break on the server (found from outside: 4,000
    characters with line breaks were refused as too long)."""
    return None if text is None else text.replace("\r\n", "\n").replace("\r", "\n")


def clean_text(
    raw: object,
    field: str,
    label: str,
    maximum: int,
    *,
    required: bool = True,
    multiline: bool = True,
    required_message: str | None = None,
) -> str:
    """Text stripped of surrounding whitespace; refuses control characters, blank and over-long text."""
    if raw is not None and not isinstance(raw, str):
        raise ValidationError(f"{label} must be text.", field)
    text = (raw or "").strip()
    if multiline:
        text = one_newline(text) or ""
    if (_CONTROL_TEXT if multiline else _CONTROL_LINE).search(text):
        what = "control characters" if multiline else "line breaks or control characters"
        raise ValidationError(
            f"{label} must not contain {what} (such as a NUL byte or a text-direction override).", field
        )
    if is_blank(text):
        if required:
            raise ValidationError(required_message or f"{label} is required.", field)
        return ""
    if len(text) > maximum:
        raise ValidationError(
            f"{label} must be at most {maximum:,} characters (it has {len(text):,}).", field
        )
    return text


# Characters a name never needs, which make two names look alike: zero-width space, word joiner, byte
# order mark, soft hyphen (found from outside: "Zero\u200bWidth" was stored, drawn as "ZeroWidth"). The
# zero-width joiners some scripts need are allowed.
_NAME_NOTHINGS = frozenset("\u200b\u2060\ufeff\u00ad")


def clean_line_name(raw: object, maximum: int, *, label: str = "Name", field: str = "name") -> str:
    """A name on one line, held to the rules of every name shown to people: trimmed, 1..`maximum`
    characters, no line breaks or control characters, spaces between words single and no blank words
    (found from outside: names of a zero-width space or a Braille blank showed as empty choices, and a
    text-direction override turned the audit log's line around)."""
    text = clean_text(raw, field, label, maximum, multiline=False)
    if any(c in _NAME_NOTHINGS for c in text):
        raise ValidationError(
            f"{label} must not contain characters drawn as nothing (a zero-width space, a soft hyphen).",
            field,
        )
    return " ".join(c for c in text.split() if not is_blank(c))


def name_key(name: str) -> str:
    """A name as a reader tells names apart: compatibility forms folded (a full-width letter is the
    letter), invisible characters dropped, case folded for every script (SQLite's lower() folds ASCII
    only, so "ÉCLAIRAGE" and "Éclairage" had passed as two names)."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    return " ".join("".join(c for c in folded if not is_invisible(c)).split())


def clean_reason(raw: object, maximum: int, why: str) -> str:
    """A reason given for a consequential act (cancelling a round, voiding a paper ballot, sending a
    result back): required, at most `maximum` characters, no control characters."""
    return clean_text(
        raw,
        "reason",
        "Reason",
        maximum,
        required_message=f"reason is required (at most {maximum:,} characters): {why}.",
    )


def clean_note(raw: object, *, required: bool = True, field: str = "note") -> str:
    """A note or a reason, its errors naming the field as its form labels it (found from outside: a
    long reason was refused as "Note must be at most ...")."""
    return clean_text(
        raw,
        field,
        field.replace("_", " ").capitalize(),
        NOTE_MAX,
        required=required,
        required_message="Note is required: say what changed, residents read it.",
    )


def first_upper(text: str) -> str:
    """Words that begin a line, their first letter in upper case ("corner of Elm St" as "Corner of Elm
    St"); the rest as written."""
    return text[:1].upper() + text[1:]


def as_sentence(text: str) -> str:
    """Someone's words ending a sentence, for a page that goes on after them: a full stop added unless
    they end in one already (or in ! ? …, or a quote or bracket after one); "" stays ""."""
    stripped = text.rstrip()
    if not stripped or stripped.rstrip("\"')]”’»").endswith((".", "!", "?", "…")):
        return stripped
    return stripped + "."
