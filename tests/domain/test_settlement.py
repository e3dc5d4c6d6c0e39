"""Money rules of one share, as properties: the share, the discount, payments, high-water mark."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.settlement import (
    Bill,
    CurrencyMismatch,
    apply_payment,
    billed_amount,
    chargeable_profit,
    share_amount,
)

DAY0 = datetime(2026, 11, 1, tzinfo=UTC)
amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1000000"), places=2)
profits = st.decimals(min_value=Decimal("-100000"), max_value=Decimal("100000"), places=2)


def bill(billed: Decimal) -> Bill:
    return Bill(billed=billed, currency="USDT", discount_rate=Decimal("0.05"),
                discount_until=DAY0 + timedelta(days=3))


def test_fifteen_percent_of_a_thousand_is_one_fifty():
    assert share_amount(Decimal("1000.00"), Decimal("0.15"), "USDT") == Decimal("150.00")
    assert share_amount(Decimal("-50"), Decimal("0.15"), "USDT") == Decimal("0.00")
    assert billed_amount(Decimal("150.00"), Decimal("88.50"), "INR") == Decimal("13275.00")


@given(profit=profits)
def test_a_share_is_never_negative_nor_more_than_the_profit(profit):
    share = share_amount(profit, Decimal("0.15"), "USDT")
    assert share >= 0
    assert share <= max(profit, Decimal(0))
    assert share.as_tuple().exponent == -2


@given(billed=amounts, days=st.integers(min_value=0, max_value=90))
def test_the_discount_applies_within_three_days_only(billed, days):
    at = DAY0 + timedelta(days=days, hours=1)
    owed = bill(billed).owed_at(at)
    if days < 3:
        assert owed == (billed * Decimal("0.95")).quantize(Decimal("0.01"),
                                                            rounding="ROUND_HALF_UP")
    else:
        assert owed == billed


@given(billed=amounts, payments=st.lists(amounts, min_size=1, max_size=6),
       day=st.integers(min_value=0, max_value=70))
def test_payments_add_up_and_settle_exactly_when_covered(billed, payments, day):
    at = DAY0 + timedelta(days=day, hours=1)
    paid = Decimal("0.00")
    for amount in payments:
        outcome = apply_payment(bill(billed), paid_before=paid, amount=amount, currency="USDT",
                                at=at)
        paid = outcome.amount_paid
        owed = bill(billed).owed_at(at)
        assert outcome.settled is (paid >= owed)
        assert outcome.amount_due == max(Decimal(0), owed - paid)
        assert outcome.credit == max(Decimal(0), paid - owed)
        assert outcome.amount_due + min(paid, owed) == owed
    assert paid == sum(payments)


def test_a_payment_in_another_currency_or_not_positive_is_refused():
    with pytest.raises(CurrencyMismatch):
        apply_payment(bill(Decimal("150.00")), paid_before=Decimal(0), amount=Decimal("150"),
                      currency="INR", at=DAY0)
    with pytest.raises(ValueError):
        apply_payment(bill(Decimal("150.00")), paid_before=Decimal(0), amount=Decimal("0"),
                      currency="USDT", at=DAY0)


@given(sessions=st.lists(profits, max_size=20))
def test_high_water_mark_charges_only_new_highs(sessions):
    """Total charged = the highest the cumulative P&L ever reached (never below zero)."""
    carried, charged, cumulative, peak = Decimal(0), Decimal(0), Decimal(0), Decimal(0)
    for profit in sessions:
        result = chargeable_profit(profit, carried, high_water_mark=True)
        assert result.profit >= 0 and result.carried_loss_after >= 0
        carried, charged = result.carried_loss_after, charged + result.profit
        cumulative += profit
        peak = max(peak, cumulative)
    assert charged == peak


@given(profit=profits)
def test_per_session_charges_every_profit_and_carries_nothing(profit):
    result = chargeable_profit(profit, Decimal("500"), high_water_mark=False)
    assert result.profit == max(profit, Decimal(0))
    assert result.carried_loss_after == 0
