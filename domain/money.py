"""Money: one Decimal type, parsed strictly and quantized to each currency's minor unit.

Pure stdlib so workflow code can import it inside the Temporal sandbox.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Context, Decimal
from types import MappingProxyType
from typing import Final

# Wide enough that sums and products of parsed amounts (18 integer and 18 fractional
# digits each) never round; money is only rounded where we call to_minor.
EXACT: Final = Context(prec=80)

DEFAULT_MINOR_UNIT: Final = 2
MINOR_UNITS: Final[Mapping[str, int]] = MappingProxyType(
    {"USDT": 2, "USD": 2, "EUR": 2, "INR": 2, "BTC": 8, "JPY": 0}
)

MAX_INTEGER_DIGITS: Final = 18
# ERC-20 tokens carry 18 decimals; nothing we handle needs more.
MAX_FRACTION_DIGITS: Final = 18
# Refuse megabyte-long digit strings before Decimal spends time on them.
MAX_TEXT_LENGTH: Final = 64

# ASCII digits only: Decimal would also accept other scripts' digits and underscores.
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,4})?")
_NOT_FINITE = {"nan", "snan", "inf", "infinity"}


def minor_unit_places(currency: str) -> int:
    """Decimal places of a currency's minor unit; unknown currencies get 2."""
    return MINOR_UNITS.get(currency.upper(), DEFAULT_MINOR_UNIT)


def to_minor(amount: Decimal, currency: str) -> Decimal:
    """Quantize to the currency's minor unit, halves away from zero (0.005 USDT -> 0.01).

    Raises:
        ValueError: the amount is NaN or infinite.
    """
    if not amount.is_finite():
        raise ValueError(f"cannot quantize a non-finite amount: {amount}")
    unit = Decimal((0, (1,), -minor_unit_places(currency)))
    return amount.quantize(unit, rounding=ROUND_HALF_UP, context=EXACT)


def parse_money(text: str) -> Decimal:
    """Parse a decimal string such as "150.00", "-3.5" or "1.2E+3" into a Decimal.

    Raises:
        ValueError: the text is empty, too long, not a plain decimal number, NaN or
            infinite, has more than 18 integer digits or more than 18 decimal places.
    """
    stripped = text.strip()
    if not stripped:
        raise ValueError("money amount is empty")
    if len(stripped) > MAX_TEXT_LENGTH:
        raise ValueError(f"money amount is longer than {MAX_TEXT_LENGTH} characters")
    if stripped.lstrip("+-").lower() in _NOT_FINITE:
        raise ValueError(f"money amount must be a finite number, got {stripped!r}")
    if not _NUMBER.fullmatch(stripped):
        raise ValueError(
            f"money amount must be a decimal number such as '150.00', got {stripped!r}"
        )
    value = Decimal(stripped)
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # finite, checked above
    if -exponent > MAX_FRACTION_DIGITS:
        raise ValueError(
            f"money amount has more than {MAX_FRACTION_DIGITS} decimal places: {stripped!r}"
        )
    # Leading zeros are not in `digits`, so "0001" counts one integer digit; "0E+50" counts 51.
    if len(digits) + exponent > MAX_INTEGER_DIGITS:
        raise ValueError(
            f"money amount has more than {MAX_INTEGER_DIGITS} integer digits: {stripped!r}"
        )
    return value
