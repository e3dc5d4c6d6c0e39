from __future__ import annotations

from decimal import Decimal
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.money import (
    MINOR_UNITS,
    format_money,
    minor_unit_places,
    parse_money,
    places_of_precision,
    to_minor,
)


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("1.005", "USDT", "1.01"),  # half up, where half-even would give 1.00
        ("1.004999", "USD", "1.00"),
        ("-0.005", "EUR", "-0.01"),  # halves go away from zero
        ("2.345", "INR", "2.35"),
        ("0.123456785", "BTC", "0.12345679"),
        ("2.5", "JPY", "3"),
        ("1.555", "XYZ", "1.55500000"),  # unknown (crypto) currencies get eight places
        ("1.555", "usdt", "1.56"),
        ("7", "BTC", "7.00000000"),
        ("123456789012345678.125", "USDT", "123456789012345678.13"),  # beyond 28 digits
    ],
)
def test_to_minor(amount: str, currency: str, expected: str) -> None:
    result = to_minor(D(amount), currency)
    assert result == D(expected)
    assert result.as_tuple().exponent == D(expected).as_tuple().exponent


def test_to_minor_refuses_non_finite() -> None:
    for amount in ("NaN", "Infinity", "-Infinity"):
        with pytest.raises(ValueError, match="non-finite"):
            to_minor(D(amount), "USDT")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("150.00", "150.00"),
        (" -3.5 ", "-3.5"),
        ("+7", "7"),
        (".5", "0.5"),
        ("5.", "5"),
        ("1.2E+3", "1200"),
        ("1e-18", "0.000000000000000001"),
        ("0001", "1"),
        ("999999999999999999.999999999999999999", "999999999999999999.999999999999999999"),
    ],
)
def test_parse_money_accepts(text: str, expected: str) -> None:
    assert parse_money(text) == D(expected)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("NaN", "finite"),
        ("-sNaN", "finite"),
        ("Infinity", "finite"),
        ("-inf", "finite"),
        ("1E+18", "integer digits"),
        ("1234567890123456789", "integer digits"),
        ("0E+50", "integer digits"),
        ("1E-19", "decimal places"),
        ("0.0000000000000000001", "decimal places"),
        ("1E99999", "decimal number"),  # exponent longer than any real amount needs
        ("1" * 65, "longer than"),
        ("1_000", "decimal number"),
        ("١٢٣", "decimal number"),  # Arabic-Indic digits, which Decimal would take
        ("12,50", "decimal number"),
        ("0x10", "decimal number"),
        ("1.2.3", "decimal number"),
        ("USD 5", "decimal number"),
    ],
)
def test_parse_money_rejects(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_money(text)


AMOUNTS = st.decimals(min_value=D("-1e17"), max_value=D("1e17"), places=8)


@given(AMOUNTS)
def test_parse_money_round_trips_its_own_output(amount: D) -> None:
    assert parse_money(str(amount)) == amount


@given(AMOUNTS, st.sampled_from([*MINOR_UNITS, "XYZ"]))
def test_to_minor_is_nearest_and_idempotent(amount: D, currency: str) -> None:
    places = minor_unit_places(currency)
    result = to_minor(amount, currency)
    assert abs(result - amount) <= D(1).scaleb(-places) / 2
    assert to_minor(result, currency) == result
    assert to_minor(-amount, currency) == -result  # symmetric: halves go away from zero


# --- one table of places, one serialiser (issue 13, bullet 1) ------------------------------
@pytest.mark.parametrize(
    ("currency", "places"),
    [
        ("INR", 2),
        ("JPY", 0),
        ("KWD", 3),
        ("BHD", 3),
        ("CLF", 4),
        ("USD", 2),
        ("ETH", 8),
        ("BNB", 8),
        ("BTC", 8),
        ("USDT", 2),
        ("NEWCOIN", 8),
    ],
)
def test_each_currency_has_its_own_places(currency, places):
    assert minor_unit_places(currency) == places


def test_the_exchange_precision_counts_for_crypto_but_never_over_iso_or_the_override():
    assert minor_unit_places("ETH", exchange_places=6) == 6
    assert minor_unit_places("INR", exchange_places=6) == 2
    assert minor_unit_places("USDT", exchange_places=6) == 2
    assert minor_unit_places("USDT", overrides={}) == 8


@pytest.mark.parametrize(
    ("amount", "places", "text"),
    [
        ("1E+3", None, "1000"),
        ("5E-8", None, "0.00000005"),
        ("-0", None, "0"),
        ("-0.00", None, "0.00"),
        ("1.005", 2, "1.01"),
        ("2.5", 0, "3"),
        ("-0.001", 2, "0.00"),
        ("0.0299", 8, "0.02990000"),
        ("1E+3", 2, "1000.00"),
    ],
)
def test_one_fixed_point_serialiser(amount, places, text):
    assert format_money(Decimal(amount), places) == text


@given(
    st.decimals(
        allow_nan=False, allow_infinity=False, places=8, max_value=10**12, min_value=-(10**12)
    )
)
def test_serialised_money_reads_back_the_same_and_never_has_an_exponent(amount):
    text = format_money(amount)
    assert "E" not in text.upper() and text not in ("-0", "-0.00000000")
    assert Decimal(text) == amount


def test_half_up_to_the_minor_unit():
    assert to_minor(Decimal("142.505"), "INR") == Decimal("142.51")
    assert to_minor(Decimal("142.5"), "JPY") == Decimal("143")
    assert to_minor(Decimal("1.0005"), "KWD") == Decimal("1.001")
    assert str(to_minor(Decimal("-0.004"), "USD")) == "0.00"


@pytest.mark.parametrize(
    ("precision", "tick_size", "places"),
    [
        (1e-08, True, 8),
        ("0.001", True, 3),
        (1, True, 0),
        (8, False, 8),
        (0.05, True, None),  # a tick that is no power of ten: the table applies
        (None, True, None),
        (-1, False, None),
    ],
)
def test_an_exchange_s_currency_precision_becomes_decimal_places(precision, tick_size, places):
    assert places_of_precision(precision, tick_size=tick_size) == places
