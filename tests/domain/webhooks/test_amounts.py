"""Amounts in each currency's own minor unit; places a scheme forbids are refused whole."""

import json
from decimal import Decimal

import pytest

from domain.money import minor_unit_places
from domain.webhooks import UnusableAmount, razorpay, standard


def _razorpay(currency: str, minor: int) -> Decimal:
    event = json.loads(razorpay.example("PS1", "pay_1", Decimal("1.00"), True))
    event["payload"]["payment"]["entity"] |= {"amount": minor, "currency": currency}
    return razorpay.parse(json.dumps(event).encode()).amount


def test_razorpay_amounts_are_in_each_currency_s_minor_unit():
    assert _razorpay("INR", 13275) == Decimal("132.75")
    # JPY has no minor unit: 500 is 500 yen, not 5.00.
    assert str(_razorpay("JPY", 500)) == "500"
    # KWD counts fils, 3 places: 1500 is 1.500 dinar, never a fixed /100 (15.00).
    assert minor_unit_places("KWD") == 3
    assert str(_razorpay("KWD", 1500)) == "1.500"
    assert str(_razorpay("KWD", 142505)) == "142.505"


def _standard(amount: str) -> bytes:
    body = json.loads(standard.example("PS1", "t1", Decimal("1"), True))
    body["data"]["amount"] = amount
    return json.dumps(body).encode()


def test_standard_takes_the_currency_s_places_and_refuses_finer_ones_with_the_payment():
    assert standard.parse(_standard("150.00")).amount == Decimal("150.00")
    with pytest.raises(UnusableAmount, match="more decimal places") as refused:
        standard.parse(_standard("150.001"))
    assert (refused.value.payment.transaction_id, refused.value.payment.status) == (
        "t1",
        "succeeded",
    )
