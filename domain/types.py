"""Field types shared by every model: money as decimal strings, ids, currencies."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BeforeValidator, Field, PlainSerializer

from domain.money import format_money, parse_money

MAX_DECIMAL_PLACES = 8


def _money(value: object) -> Decimal:
    """Money arrives as a decimal string; numbers are refused so no float ever sneaks in."""
    if isinstance(value, Decimal):
        amount = parse_money(str(value))
    elif isinstance(value, str):
        amount = parse_money(value)
    else:
        raise ValueError('money must be a decimal string such as "150.00", not a number')
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > MAX_DECIMAL_PLACES:
        raise ValueError(f"at most {MAX_DECIMAL_PLACES} decimal places")
    return amount


Money = Annotated[Decimal, BeforeValidator(_money), PlainSerializer(format_money, return_type=str)]


def _exact_money(value: object) -> Decimal:
    """A computed figure kept unrounded (up to parse_money's 18 places), never typed by a user."""
    if isinstance(value, Decimal):
        return parse_money(f"{value:f}")
    if isinstance(value, str):
        return parse_money(value)
    raise ValueError('money must be a decimal string such as "0.0299", not a number')


# An unrounded figure carried beside its displayed (rounded) twin, so it is rounded only once
# where it is billed; wider than Money's 8 places because products of fills have more.
ExactMoney = Annotated[
    Decimal, BeforeValidator(_exact_money), PlainSerializer(format_money, return_type=str)
]
Identifier = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.:\-]+$")]
# Free text that is stored (notes, reasons, fingerprints): PostgreSQL text cannot hold NUL, and
# a write that fails on one is a DataError after the request was accepted (a 503, or an
# activity retried forever). Refused where it comes in instead: a 422 naming the field. A
# pattern also makes pydantic refuse lone surrogates, which UTF-8 (the database's) cannot encode.
Text = Annotated[str, Field(pattern=r"^[^\x00]*$")]
Currency = Annotated[str, Field(min_length=2, max_length=10, pattern=r"^[A-Z0-9]+$")]
Symbol = Annotated[str, Field(max_length=32, pattern=r"^[A-Z0-9]{2,12}/[A-Z0-9]{2,12}$")]
