"""The parsing layer's rules without a request: ids, whole numbers, ratios, amounts and free text."""

from __future__ import annotations

import pytest

from app.services.kernel.errors import ValidationError
from app.services.kernel.parsing import (
    ID_MAX,
    optional_int,
    parse_amount,
    parse_id,
    parse_int,
    parse_ratio,
)
from app.services.kernel.text import clean_note, clean_text, first_of, is_blank, reading_order


@pytest.mark.parametrize(("raw", "value"), [("1", 1), (" 42 ", 42), (7, 7), (str(ID_MAX), ID_MAX)])
def test_ids_in_ascii_digits_within_the_database_range(raw: object, value: int) -> None:
    assert parse_id(raw, "issue_id") == value


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("²", "issue_id must be a whole number."),  # str.isdigit() says yes, int() says no
        ("١", "issue_id must be a whole number."),  # int() would read it as 1
        ("1_000", "issue_id must be a whole number."),
        ("1.0", "issue_id must be a whole number."),
        ("", "issue_id must be a whole number."),
        (True, "issue_id must be a whole number, not 'True'."),
        (1.5, "issue_id must be a whole number, not '1.5'."),
        (None, "issue_id must be a whole number, not 'None'."),
        ("0", "issue_id must be between 1 and 2,147,483,647."),
        (str(ID_MAX + 1), "issue_id must be between 1 and 2,147,483,647."),  # INTEGER ids on PostgreSQL
        (
            "139811782719347717115478016",
            "issue_id must be between 1 and 2,147,483,647.",
        ),
        ("9" * 5000, "issue_id must be between 1 and 2,147,483,647."),
        (2**70, "issue_id must be between 1 and 2,147,483,647."),
    ],
)
def test_bad_ids_name_the_field(raw: object, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_id(raw, "issue_id")
    assert (caught.value.message, caught.value.field) == (message, "issue_id")


def test_bounds_and_defaults() -> None:
    assert parse_int("-3", "delta") == -3
    assert parse_int(str(2**63 - 1), "cents") == 2**63 - 1  # BIGINT columns take 64 bits
    with pytest.raises(
        ValidationError, match=r"^cents is too large: it may be at most 9,223,372,036,854,775,807\.$"
    ):
        parse_int(str(2**63), "cents")
    assert optional_int(None, "page", default=1) == 1
    assert optional_int("  ", "page", default=1) == 1
    with pytest.raises(ValidationError, match=r"^Page must be between 1 and 10,000\.$"):
        parse_int("10001", "page", minimum=1, maximum=10_000, label="Page")
    with pytest.raises(ValidationError, match=r"^page must be at least 1\.$"):
        optional_int("-" + "9" * 30, "page", minimum=1)


@pytest.mark.parametrize(("raw", "ratio"), [("1:1", (1, 1)), ("2:1", (2, 1)), (" 1 : 2 ", (1, 2))])
def test_ratios(raw: str, ratio: tuple[int, int]) -> None:
    assert parse_ratio(raw, "match_ratio") == ratio


@pytest.mark.parametrize("raw", ["²:1", "١:١", "1:0", "0:1", "1", "1:1:1", "a:b", 2, None, "9" * 30 + ":1"])
def test_ratios_in_other_digits_or_shapes_are_refused(raw: object) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_ratio(raw, "match_ratio")
    assert caught.value.field == "match_ratio"


def test_amounts_name_their_field() -> None:
    assert parse_amount("5.00", "cap") == 500
    for raw in ("NaN", "Infinity", "1e2"):
        with pytest.raises(ValidationError, match=r"use digits and a decimal point, like 5\.00") as caught:
            parse_amount(raw, "cap")
        assert caught.value.field == "cap"
    with pytest.raises(ValidationError, match=r"must be text like 5\.00"):
        parse_amount(5.0, "cap")


@pytest.mark.parametrize(
    "text", ["", "   ", "\u200b", "\u200b\u200c\u200d\u2060\ufeff", " \u200b \u3000 \u200b "]
)
def test_text_made_of_nothing_visible_is_blank(text: str) -> None:
    assert is_blank(text)
    with pytest.raises(ValidationError, match=r"^Title is required\.$"):
        clean_text(text, "title", "Title", 120)
    assert clean_text(text, "title", "Title", 120, required=False) == ""


@pytest.mark.parametrize("text", ["Pot\x00hole", "\x00", "Bell\x07", "Esc\x1b[31m", "Del\x7f", "C1\x85 text"])
def test_control_characters_are_refused(text: str) -> None:
    with pytest.raises(ValidationError, match="must not contain control characters") as caught:
        clean_text(text, "title", "Title", 120)
    assert caught.value.field == "title"


def test_text_keeps_line_breaks_and_tabs_unless_it_is_one_line() -> None:
    assert clean_text(" Two\nlines\tand a tab ", "description", "Description", 100) == "Two\nlines\tand a tab"
    assert clean_text("a\u200bb", "title", "Title", 10) == "a\u200bb"  # visible text around it stays
    with pytest.raises(ValidationError, match="line breaks or control characters"):
        clean_text("pot\nhole", "category", "Category", 40, multiline=False)
    with pytest.raises(ValidationError, match="must be text"):
        clean_text(5, "title", "Title", 10)


def test_notes_follow_the_same_rules() -> None:
    with pytest.raises(ValidationError, match="Note is required: say what changed") as caught:
        clean_note("\u200b\u200b", field="reason")
    assert caught.value.field == "reason"
    with pytest.raises(ValidationError, match="control characters"):
        clean_note("fixed\x00")
    assert clean_note(None, required=False) == ""


def test_first_of_names_the_first_and_counts_the_rest() -> None:
    assert first_of(["a", "b"], 3) == "a, b"
    assert first_of(["a", "b", "c", "d", "e"], 3) == "a, b, c and 2 more"
    assert first_of(["a", "b", "c"], 3, total=12_345) == "a, b, c and 12,342 more"  # only the first were read
    assert first_of([], 3) == ""


def test_names_sort_as_people_read_them() -> None:
    """Found from outside: a treasurer's list of refunds read Resident 10, 11, 12, 8, 9."""
    names = ["Resident 10", "resident 9", "Resident 11", "Ada", "Resident 8", "Zoë 2b"]
    assert sorted(names, key=reading_order) == [
        "Ada",
        "Resident 8",
        "resident 9",
        "Resident 10",
        "Resident 11",
        "Zoë 2b",
    ]
