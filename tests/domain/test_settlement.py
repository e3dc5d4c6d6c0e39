"""Money rules of one share, as properties: the share, the discount, payments, high-water mark."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.book import completed_at
from domain.settlement import (
    Bill,
    CurrencyMismatch,
    Made,
    apply_payment,
    billed_amount,
    chargeable_profit,
    share_amount,
)

DAY0 = datetime(2026, 11, 1, tzinfo=UTC)
amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1000000"), places=2)
profits = st.decimals(min_value=Decimal("-100000"), max_value=Decimal("100000"), places=2)


def bill(billed: Decimal) -> Bill:
    return Bill(
        billed=billed,
        currency="USDT",
        discount_rate=Decimal("0.05"),
        discount_until=DAY0 + timedelta(days=3),
    )


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
        assert owed == (billed * Decimal("0.95")).quantize(
            Decimal("0.01"), rounding="ROUND_HALF_UP"
        )
    else:
        assert owed == billed


@given(
    billed=amounts,
    payments=st.lists(amounts, min_size=1, max_size=6),
    day=st.integers(min_value=0, max_value=70),
)
def test_payments_add_up_and_settle_exactly_when_covered(billed, payments, day):
    at = DAY0 + timedelta(days=day, hours=1)
    paid = Decimal("0.00")
    for amount in payments:
        outcome = apply_payment(
            bill(billed), paid_before=paid, amount=amount, currency="USDT", at=at
        )
        paid = outcome.amount_paid
        owed = bill(billed).owed_at(at)
        assert outcome.settled is (paid >= owed)
        assert outcome.amount_due == max(Decimal(0), owed - paid)
        assert outcome.credit == max(Decimal(0), paid - owed)
        assert outcome.amount_due + min(paid, owed) == owed
    assert paid == sum(payments)


def _arrive(b: Bill, payments: list[Made], *, judged_together: bool = True) -> tuple:
    """What the share workflow does with payments arriving in this order: each counts while
    the share is open (judged with those that counted before it), and is credit once it is
    paid. The outcome: paid or not, when, the discount, the credit, what was paid and is due."""
    paid, made, credit, settled_at = Decimal("0.00"), [], Decimal("0.00"), None
    outcome = None
    for amount, at in payments:
        if settled_at is not None:
            credit += b.round(amount)
            continue
        outcome = apply_payment(
            b,
            paid_before=paid,
            amount=amount,
            currency="USDT",
            at=at,
            made=made if judged_together else None,
        )
        paid = outcome.amount_paid
        made.append((outcome.applied, at))
        if outcome.settled:
            settled_at = outcome.judged_at
    assert outcome is not None
    return (
        settled_at,
        outcome.discount_granted,
        outcome.credit + credit,
        paid + credit,
        outcome.amount_due,
    )


hours = st.integers(min_value=0, max_value=24 * 20)
parts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("600"), places=2)


@given(
    billed=st.decimals(min_value=Decimal("1.00"), max_value=Decimal("1000"), places=2),
    made=st.lists(
        st.tuples(parts, hours),
        min_size=1,
        max_size=5,
    ),
    data=st.data(),
)
def test_the_outcome_of_a_set_of_payments_does_not_depend_on_the_order_they_arrive_in(
    billed, made, data
):
    """The payments that count toward a share (none made after it was complete), arriving in
    any order: the same share, paid at the same moment (the latest of their times), with the
    same discount and credit. In the order they were made it is what judging each payment at
    its own time always gave."""
    b = bill(billed)
    payments = [(amount, DAY0 + timedelta(hours=h)) for amount, h in made]
    complete = completed_at(b, payments)
    counting = [p for p in payments if complete is None or p[1] <= complete]
    in_time_order = sorted(counting, key=lambda p: p[1])
    expected = _arrive(b, in_time_order)
    assert _arrive(b, data.draw(st.permutations(counting))) == expected
    assert _arrive(b, in_time_order, judged_together=False) == expected
    if expected[0] is not None:
        assert expected[0] == max(at for _, at in counting)


def test_a_late_webhook_of_an_early_partial_payment_does_not_earn_the_discount():
    """150.00 billed, 142.50 inside the window: 50.00 paid on day 2 and 100.00 on day 15, the
    day-15 webhook first. The share is complete on day 15 at the earliest: no discount."""
    b = bill(Decimal("150.00"))
    day15 = (Decimal("100.00"), DAY0 + timedelta(days=15))
    day2 = (Decimal("50.00"), DAY0 + timedelta(days=2))
    settled_at, discount, credit, paid, due = _arrive(b, [day15, day2])
    assert (settled_at, discount, credit, paid, due) == (
        DAY0 + timedelta(days=15),
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("150.00"),
        Decimal("0.00"),
    )
    # Judged at each payment's own time (shares started before), the day-2 webhook settled it.
    assert _arrive(b, [day15, day2], judged_together=False)[1] == Decimal("7.50")


def test_a_payment_in_another_currency_or_not_positive_is_refused():
    with pytest.raises(CurrencyMismatch):
        apply_payment(
            bill(Decimal("150.00")),
            paid_before=Decimal(0),
            amount=Decimal("150"),
            currency="INR",
            at=DAY0,
        )
    with pytest.raises(ValueError):
        apply_payment(
            bill(Decimal("150.00")),
            paid_before=Decimal(0),
            amount=Decimal("0"),
            currency="USDT",
            at=DAY0,
        )


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


def test_the_share_is_rounded_once_in_the_billing_currency():
    from domain.settlement import billed_for

    # 0.0299 ETH of profit: 15% is 0.004485 ETH; two places would have billed nothing.
    assert billed_for(Decimal("0.0299"), Decimal("0.15"), Decimal(1), "ETH") == Decimal(
        "0.00448500"
    )
    assert share_amount(Decimal("0.0299"), Decimal("0.15"), "ETH") == Decimal("0.00448500")
    # Rounded once: 33.33 × 0.15 = 4.9995 USDT, × 88.5 = 442.455750 INR -> 442.46
    # (rounding the share first would give 5.00 × 88.5 = 442.50).
    assert billed_for(Decimal("33.33"), Decimal("0.15"), Decimal("88.5"), "INR") == Decimal(
        "442.46"
    )
    assert billed_for(Decimal("-5"), Decimal("0.15"), Decimal("88.5"), "INR") == Decimal("0.00")
