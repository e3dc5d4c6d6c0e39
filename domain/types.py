"""Field types shared by every model: money as decimal strings, ids, currencies."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated

from pydantic import BeforeValidator, Field, PlainSerializer

MAX_INTEGER_DIGITS = 18
MAX_DECIMAL_PLACES = 8


def _money(value: object) -> Decimal:
    """Money arrives as a decimal string; numbers are refused so no float ever sneaks in."""
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, str):
        try:
            amount = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError("must be a decimal string such as \"150.00\"") from None
    else:
        raise ValueError("money must be a decimal string such as \"150.00\", not a number")
    if not amount.is_finite():
        raise ValueError("must be a finite amount")
    sign, digits, exponent = amount.as_tuple()
    assert isinstance(exponent, int)
    places = max(0, -exponent)
    if places > MAX_DECIMAL_PLACES:
        raise ValueError(f"at most {MAX_DECIMAL_PLACES} decimal places")
    if len(digits) - places > MAX_INTEGER_DIGITS:
        raise ValueError(f"at most {MAX_INTEGER_DIGITS} integer digits")
    return amount


Money = Annotated[Decimal, BeforeValidator(_money), PlainSerializer(str, return_type=str)]
Identifier = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.:\-]+$")]
Currency = Annotated[str, Field(min_length=2, max_length=10, pattern=r"^[A-Z0-9]+$")]
Symbol = Annotated[str, Field(max_length=32, pattern=r"^[A-Z0-9]{2,12}/[A-Z0-9]{2,12}$")]
