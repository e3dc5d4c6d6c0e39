"""Money: one Decimal type, parsed strictly and quantized to each currency's minor unit.

Pure stdlib so workflow code can import it inside the Temporal sandbox.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Context, Decimal
from types import MappingProxyType
from typing import Final

from domain.currencies import BILLING_OVERRIDES, CRYPTO, ISO_4217, UNKNOWN_PLACES

# Wide enough that sums and products of parsed amounts (18 integer and 18 fractional
# digits each) never round; money is only rounded where we call to_minor.
EXACT: Final = Context(prec=80)

# Every currency's places in one table: ISO 4217 fiat, then crypto, then billing overrides.
MINOR_UNITS: Final[Mapping[str, int]] = MappingProxyType(
    {**CRYPTO, **ISO_4217, **BILLING_OVERRIDES}
)

MAX_INTEGER_DIGITS: Final = 18
# ERC-20 tokens carry 18 decimals; nothing we handle needs more.
MAX_FRACTION_DIGITS: Final = 18
# Refuse megabyte-long digit strings before Decimal spends time on them.
MAX_TEXT_LENGTH: Final = 64

# ASCII digits only: Decimal would also accept other scripts' digits and underscores.
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,4})?")
_NOT_FINITE = {"nan", "snan", "inf", "infinity"}


def minor_unit_places(
    currency: str,
    *,
    exchange_places: int | None = None,
    overrides: Mapping[str, int] = BILLING_OVERRIDES,
) -> int:
    """Decimal places of a currency's minor unit.

    A billing override wins (USDT billed to the cent), then ISO 4217, then the exchange's
    own precision (ccxt's currency precision, when the verification passed it along), then
    the crypto table; a currency known nowhere gets 8 places so no small share rounds away.
    """
    code = currency.upper()
    if code in overrides:
        return overrides[code]
    if code in ISO_4217:
        return ISO_4217[code]
    if exchange_places is not None:
        return exchange_places
    return CRYPTO.get(code, UNKNOWN_PLACES)


def places_of_precision(precision: object, *, tick_size: bool) -> int | None:
    """Decimal places from an exchange's currency precision as ccxt reports it: a tick
    (0.00000001 -> 8) in ccxt's TICK_SIZE mode, a count of places otherwise; None when it
    is missing or not a power of ten (the table then applies)."""
    if precision is None or isinstance(precision, bool):
        return None
    try:
        value = Decimal(str(precision))
    except ArithmeticError:
        return None
    if not value.is_finite() or value <= 0:
        return None
    if not tick_size:
        return int(value) if value == value.to_integral_value() and value <= 18 else None
    normal = value.normalize()
    sign, digits, exponent = normal.as_tuple()
    if digits != (1,) or not isinstance(exponent, int) or not -18 <= exponent <= 0:
        return None
    return -exponent


def to_minor(amount: Decimal, currency: str, places: int | None = None) -> Decimal:
    """Quantize to the currency's minor unit (or `places`), halves away from zero.

    0.005 USDT -> 0.01; the one rounding mode for every amount stored or sent.

    Raises:
        ValueError: the amount is NaN or infinite.
    """
    if not amount.is_finite():
        raise ValueError(f"cannot quantize a non-finite amount: {amount}")
    exponent = -(minor_unit_places(currency) if places is None else places)
    rounded = amount.quantize(Decimal((0, (1,), exponent)), rounding=ROUND_HALF_UP, context=EXACT)
    return rounded.copy_abs() if rounded.is_zero() else rounded  # never "-0.00"


def to_exact(amount: Decimal) -> Decimal:
    """A computed figure kept for billing: unrounded, except beyond MAX_FRACTION_DIGITS places
    (1e-18, far below any minor unit), so it can be stored and sent as Money text."""
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > MAX_FRACTION_DIGITS:
        tiny = Decimal((0, (1,), -MAX_FRACTION_DIGITS))
        amount = amount.quantize(tiny, rounding=ROUND_HALF_UP, context=EXACT)
    return amount.copy_abs() if amount.is_zero() else amount


def format_money(amount: Decimal, places: int | None = None) -> str:
    """The one serialiser: fixed-point, never "1E+3", "5E-8" or "-0".

    With `places` the amount is first quantized half-up to them; without, it keeps the
    places it has (amounts are quantized where they are computed) but at least none.
    """
    if not amount.is_finite():
        raise ValueError(f"cannot serialise a non-finite amount: {amount}")
    if places is not None:
        amount = amount.quantize(Decimal((0, (1,), -places)), rounding=ROUND_HALF_UP, context=EXACT)
    elif amount.as_tuple().exponent > 0:  # type: ignore[operator]  # finite, checked above
        amount = amount.quantize(Decimal(1), context=EXACT)
    if amount.is_zero():
        amount = amount.copy_abs()
    return f"{amount:f}"


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
