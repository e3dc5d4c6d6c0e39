"""A signed callback whose fields the rest of the system cannot hold is refused at parsing
(the API then acknowledges it as "ignored"), never halfway through recording the payment."""

import pytest

from domain.webhooks import PayloadError, cashfree, razorpay, standard
from tests.support import webhook_samples as samples


@pytest.mark.parametrize(
    "body",
    [
        samples.standard_payment("PS1", "t" * 129, "150.00"),
        samples.standard_payment("P" * 65, "txn_1", "150.00"),
        samples.standard_payment("PS1", "txn_1", "1000000000000000000"),  # 19 integer digits
        samples.standard_payment("PS1", "txn_1", "0.000000001"),  # 9 decimal places
        samples.standard_payment("PS1", "txn_1", "150.00", currency="US DOLLARS"),
        samples.standard_payment("PS1", "txn_1", "150.00", currency="X"),
    ],
    ids=["long txn", "long reference", "19 digits", "9 decimals", "spaced currency", "1 letter"],
)
def test_fields_past_what_a_payment_row_holds_are_refused(body):
    with pytest.raises(PayloadError):
        standard.parse(body)


def test_amounts_past_money_bounds_are_refused_in_every_unit():
    with pytest.raises(PayloadError):
        razorpay.parse(samples.razorpay_payment_captured("PS1", "pay_1", 10**21))  # paise
    with pytest.raises(PayloadError):
        cashfree.parse(samples.cashfree_payment("PS1", "cf_1", "1" + "0" * 19))


def test_a_lower_case_currency_is_read_as_the_same_currency():
    payment = standard.parse(samples.standard_payment("PS1", "txn_1", "150.00", currency="inr"))
    assert payment.currency == "INR"
