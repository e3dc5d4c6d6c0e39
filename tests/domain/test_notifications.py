"""User messages: every template renders with its params, and a missing one is named."""

from __future__ import annotations

import pytest

from domain.notifications import (
    PAYABLE,
    TEMPLATE_NAMES,
    MissingParams,
    render,
    required_params,
)

PARAMS = {
    "amount_due": "13275.00",
    "amount_paid": "13275.00",
    "currency": "INR",
    "payment_reference": "PS0123456789ABCD",
    "due_at": "2026-11-27",
    "suspend_at": "2026-12-04",
    "note": "the amount does not match",
    "outcome": "upheld",
    "billed_amount": "13974.00",
    "discount": "699.00",
    "discount_until": "2026-11-23 10:00 UTC",
}


@pytest.mark.parametrize("template", TEMPLATE_NAMES)
def test_every_template_renders_plain_text_naming_the_reference(template) -> None:
    message = render(template, PARAMS)
    assert "PS0123456789ABCD" in message.text
    assert "{" not in message.subject + message.text
    assert message.subject and len(message.text) < 400


def test_the_stages_that_ask_for_money_say_how_much() -> None:
    for template in ("reminder", "warning", "suspended", "locked", "collections"):
        assert "13275.00 INR" in render(template, PARAMS).text


def test_a_payment_link_is_offered_where_paying_is_the_next_step() -> None:
    with_link = {**PARAMS, "payment_url": "https://rzp.io/i/abc"}
    for template in TEMPLATE_NAMES:
        offered = "Pay online: https://rzp.io/i/abc" in render(template, with_link).text
        assert offered == (template in PAYABLE)
    assert "Pay online" not in render("reminder", PARAMS).text


def test_a_missing_param_is_named() -> None:
    assert required_params("paid") == {"amount_paid", "currency", "payment_reference"}
    with pytest.raises(MissingParams, match="amount_paid, currency"):
        render("paid", {"payment_reference": "PS1"})


def test_day_0_names_the_amount_the_discount_and_its_deadline() -> None:
    text = render("payment_due", PARAMS).text
    assert "13974.00 INR" in text and "13275.00 INR" in text
    assert "699.00 INR" in text and "2026-11-23 10:00 UTC" in text
