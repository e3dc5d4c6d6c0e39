"""Money rules of one share: its amount, what is owed at a moment, and applying a payment.

All amounts are Decimal. The share is computed in the profit's currency and
billed in the billing currency at an FX rate fixed when it is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from domain.money import to_minor


def share_amount(verified_profit: Decimal, rate: Decimal, currency: str) -> Decimal:
    """The platform's share of a profit; nothing is owed on a loss."""
    if verified_profit <= 0:
        return to_minor(Decimal(0), currency)
    return to_minor(verified_profit * rate, currency)


def billed_amount(share: Decimal, fx_rate: Decimal, billing_currency: str) -> Decimal:
    return to_minor(share * fx_rate, billing_currency)


@dataclass(frozen=True)
class Bill:
    """What one share bills, in the billing currency."""

    billed: Decimal
    currency: str
    discount_rate: Decimal
    discount_until: datetime

    def owed_at(self, at: datetime) -> Decimal:
        """The whole amount owed if settled at `at`: discounted inside the early window."""
        if at <= self.discount_until:
            return to_minor(self.billed * (1 - self.discount_rate), self.currency)
        return self.billed

    def due_at(self, paid: Decimal, at: datetime) -> Decimal:
        return max(Decimal(0), self.owed_at(at) - paid).quantize(self.billed)


@dataclass(frozen=True)
class PaymentOutcome:
    amount_paid: Decimal
    amount_due: Decimal
    settled: bool
    credit: Decimal
    discounted: bool


class CurrencyMismatch(ValueError):
    pass


def apply_payment(
    bill: Bill, *, paid_before: Decimal, amount: Decimal, currency: str, at: datetime
) -> PaymentOutcome:
    """Applies one payment; the early discount is judged at the time of this payment.

    Raises:
        CurrencyMismatch: the payment is not in the billing currency.
        ValueError: the amount is not positive.
    """
    if currency.upper() != bill.currency.upper():
        raise CurrencyMismatch(f"payment in {currency}, share billed in {bill.currency}")
    if amount <= 0:
        raise ValueError("payment amount must be positive")
    paid = paid_before + amount
    owed = bill.owed_at(at)
    settled = paid >= owed
    return PaymentOutcome(
        amount_paid=paid,
        amount_due=max(Decimal(0), owed - paid).quantize(bill.billed),
        settled=settled,
        credit=max(Decimal(0), paid - owed).quantize(bill.billed),
        discounted=settled and owed < bill.billed,
    )


def rebill(bill: Bill, billed: Decimal, *, paid: Decimal, at: datetime) -> PaymentOutcome:
    """The share re-priced to `billed` (a dispute adjusted it), with what was paid so far.

    The discount window is kept: inside it, the new amount is discounted too.
    """
    new = Bill(
        billed=billed,
        currency=bill.currency,
        discount_rate=bill.discount_rate,
        discount_until=bill.discount_until,
    )
    owed = new.owed_at(at)
    return PaymentOutcome(
        amount_paid=paid,
        amount_due=max(Decimal(0), owed - paid).quantize(bill.billed),
        settled=paid >= owed,
        credit=max(Decimal(0), paid - owed).quantize(bill.billed),
        discounted=owed < billed,
    )


@dataclass(frozen=True)
class Chargeable:
    profit: Decimal
    carried_loss_after: Decimal


def chargeable_profit(
    verified_profit: Decimal, carried_loss: Decimal, *, high_water_mark: bool
) -> Chargeable:
    """The profit a share is charged on, and the loss carried forward after this session.

    Per session (the default) every profit is charged and losses are not carried. With the
    high-water mark, earlier losses are carried forward and a profit is charged only above
    them: the platform earns only on a new high of the user's account.
    """
    if not high_water_mark:
        return Chargeable(profit=max(verified_profit, Decimal(0)), carried_loss_after=Decimal(0))
    if verified_profit <= 0:
        return Chargeable(profit=Decimal(0), carried_loss_after=carried_loss - verified_profit)
    absorbed = min(carried_loss, verified_profit)
    return Chargeable(profit=verified_profit - absorbed, carried_loss_after=carried_loss - absorbed)
