"""budgets.money: amounts people type become exact cents, cents are written one way, the match formula."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from budgets.money import (
    MAX_CENTS,
    MoneyError,
    format_cents,
    format_money,
    match_base_cents,
    matched_cents,
    parse_cents,
    plain_cents,
)


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("5", 500),
        ("5.00", 500),
        ("5.5", 550),
        ("0.01", 1),
        ("1,25", 125),  # a decimal comma, as many residents write it
        (" 12.30 ", 1230),
        ("1,234.56", 123456),  # as format_cents writes it
        ("1,234,567", 123456700),
        ("1,234", 123400),  # as a decimal comma, 1.234 would be a fraction of a cent: thousands
        ("12,345", 1234500),
        ("999,999,999.99", MAX_CENTS),
    ],
)
def test_amounts_parse_exactly(text: str, cents: int) -> None:
    assert parse_cents(text) == cents


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Amount is required, for example 5.00."),
        ("   ", "Amount is required, for example 5.00."),
        ("NaN", "Amount: use digits and a decimal point, like 5.00, not 'NaN'."),
        ("nan", "Amount: use digits and a decimal point, like 5.00, not 'nan'."),
        ("Infinity", "Amount: use digits and a decimal point, like 5.00, not 'Infinity'."),
        ("-Infinity", "Amount: use digits and a decimal point, like 5.00, not '-Infinity'."),
        ("1e2", "Amount: use digits and a decimal point, like 5.00, not '1e2'."),
        ("1E-2", "Amount: use digits and a decimal point, like 5.00, not '1E-2'."),
        ("0x10", "Amount: use digits and a decimal point, like 5.00, not '0x10'."),
        ("1_000", "Amount: use digits and a decimal point, like 5.00, not '1_000'."),
        ("٥", "Amount: use digits and a decimal point, like 5.00, not '٥'."),
        ("５", "Amount: use digits and a decimal point, like 5.00, not '５'."),
        ("²", "Amount: use digits and a decimal point, like 5.00, not '²'."),
        ("5.", "Amount: use digits and a decimal point, like 5.00, not '5.'."),
        ("5.001", "Amount may have at most two decimals (whole cents), like 5.00."),
        # Found from outside: "0,500" was read as 500.00 (a leading group of zero), and "1,500" as
        # 1500 where a decimal comma reads 1.500.
        ("0,500", "Amount may have at most two decimals (whole cents), like 5.00."),
        ("00,100", "Amount may have at most two decimals (whole cents), like 5.00."),
        ("1,500", "Amount: “1,500” could be 1500 or 1.50; write it without the comma, like 1500 or 1.50."),
        (
            "12,340",
            "Amount: “12,340” could be 12340 or 12.34; write it without the comma, like 12340 or 12.34.",
        ),
        ("0", "Amount must be more than zero."),
        ("0.00", "Amount must be more than zero."),
        ("-5", "Amount must be more than zero."),
        ("1000000000", "Amount must be at most 999,999,999.99."),
        ("9" * 5000, "Amount must be at most 999,999,999.99."),
    ],
)
def test_bad_amounts_say_how_to_write_one(text: str, message: str) -> None:
    with pytest.raises(MoneyError) as caught:
        parse_cents(text)
    assert caught.value.message == message


def test_the_label_and_the_limit_are_the_callers() -> None:
    with pytest.raises(MoneyError, match=r"^Cost must be at most 10\.00\.$"):
        parse_cents("10.01", label="Cost", max_cents=1000)
    assert parse_cents("10", label="Cost", max_cents=1000) == 1000


def test_with_a_currency_the_largest_amount_is_said_in_it() -> None:
    for typed in ("500.01", "9" * 20):
        with pytest.raises(MoneyError) as caught:
            parse_cents(typed, max_cents=50_000, currency="EUR")
        assert caught.value.message == "Amount must be at most EUR 500.00."


@pytest.mark.parametrize(
    ("cents", "text", "with_currency"),
    [
        (0, "0.00", "EUR 0.00"),
        (5, "0.05", "EUR 0.05"),
        (123456, "1,234.56", "EUR 1,234.56"),
        (100_000_000, "1,000,000.00", "EUR 1,000,000.00"),
        (-123456, "-1,234.56", "-EUR 1,234.56"),
    ],
)
def test_cents_are_written_one_way(cents: int, text: str, with_currency: str) -> None:
    assert format_cents(cents) == text
    assert format_money(cents, "EUR") == with_currency
    assert format_money(cents) == text


@given(st.integers(min_value=1, max_value=MAX_CENTS))
def test_what_is_written_reads_back_as_the_same_cents(cents: int) -> None:
    assert parse_cents(format_cents(cents)) == cents
    assert parse_cents(plain_cents(cents)) == cents


@pytest.mark.parametrize(
    ("base", "num", "den", "cap", "expected"),
    [
        (1000, 1, 1, 10**15, 1000),
        (1001, 1, 2, 10**15, 500),  # floored: the city never pays a fraction of a cent
        (3000, 2, 1, 1000, 1000),  # capped
        (0, 3, 1, 500, 0),
    ],
)
def test_the_match_is_floored_and_capped(base: int, num: int, den: int, cap: int, expected: int) -> None:
    assert matched_cents(base, num, den, cap) == expected


def test_the_match_refuses_impossible_terms() -> None:
    with pytest.raises(ValueError, match="not negative"):
        matched_cents(100, 1, 0, 100)
    with pytest.raises(ValueError, match="not negative"):
        matched_cents(-1, 1, 1, 100)


def test_each_pledged_cent_is_matched_once() -> None:
    assert match_base_cents(5000, 3000) == 2000
    assert match_base_cents(2000, 3000) == 0  # refunds may leave less than earlier matches covered
