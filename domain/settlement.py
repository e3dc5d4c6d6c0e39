"""Pricing a share and the workflow's view of its payments, on top of domain/book.py.

The share is priced once: the unrounded verified profit × rate × FX, rounded a single
time in the billing currency. `share_amount` (in the profit's currency) is for display.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from domain.book import ZERO, Book, Terms, completed_at
from domain.money import EXACT, to_minor

# The workflow's name for a share's terms.
Bill = Terms


def share_amount(
    verified_profit: Decimal, rate: Decimal, currency: str, places: int | None = None
) -> Decimal:
    """The platform's share in the profit's currency (shown, never re-used for billing)."""
    if verified_profit <= 0:
        return to_minor(ZERO, currency, places)
    return to_minor(EXACT.multiply(verified_profit, rate), currency, places)


def billed_for(
    verified_profit: Decimal,
    rate: Decimal,
    fx_rate: Decimal,
    billing_currency: str,
    places: int | None = None,
) -> Decimal:
    """What the share bills: profit × rate × FX, rounded once, half-up, in the billing
    currency; nothing is owed on a loss."""
    if verified_profit <= 0:
        return to_minor(ZERO, billing_currency, places)
    exact = EXACT.multiply(EXACT.multiply(verified_profit, rate), fx_rate)
    return to_minor(exact, billing_currency, places)


def profit_to_bill(
    passed: Decimal, displayed: Decimal, exact: Decimal | None, currency: str
) -> Decimal:
    """The profit a share is billed from, before any rounding.

    The workflow passes the verification's displayed profit (the FIFO figure at the minor
    unit) or an admin's corrected one, exact as typed. The displayed one is swapped for the
    figure it was rounded from, so the share is rounded once, in the billing currency; a
    correction, or a summary recorded before the exact figure was kept, is billed as passed.
    """
    if exact is not None and passed == displayed == to_minor(exact, currency):
        return exact
    return passed


def unrounded_charge(charge: Decimal, absorbed: Decimal | None, profit: Decimal) -> Decimal:
    """The charged profit taken from the unrounded `profit`: a carried loss absorbs at the
    minor unit (as it was carried), and a charge of nothing stays nothing."""
    if charge <= 0:
        return charge
    return max(profit - (absorbed or ZERO), ZERO)


def billed_amount(share: Decimal, fx_rate: Decimal, billing_currency: str) -> Decimal:
    """An already computed share converted (kept for callers that only have the share)."""
    return to_minor(EXACT.multiply(share, fx_rate), billing_currency)


@dataclass(frozen=True)
class PaymentOutcome:
    amount_paid: Decimal
    amount_due: Decimal
    settled: bool
    credit: Decimal
    discounted: bool
    # The payment as it counted (rounded half-up to the minor unit) and the discount the
    # settlement granted; a note when the payment was rounded.
    applied: Decimal = ZERO
    discount_granted: Decimal = ZERO
    note: str = ""
    # The moment the payments were judged at: when they completed the share if they did (the
    # discount and "paid on time" are judged then), else the latest of their times.
    judged_at: datetime | None = None


# A payment that counted toward a share: its amount as applied and its time.
Made = tuple[Decimal, datetime]


class CurrencyMismatch(ValueError):
    pass


def apply_payment(
    bill: Bill,
    *,
    paid_before: Decimal,
    amount: Decimal,
    currency: str,
    at: datetime,
    made: Sequence[Made] | None = None,
) -> PaymentOutcome:
    """Applies one payment to an open share.

    With `made` (the payments that already counted, `paid_before` in all) the share is judged
    when the payments, this one included, completed it (`completed_at`), whatever order they
    arrived in; without it (shares started before), at this payment's own time `at`.

    Raises:
        CurrencyMismatch: the payment is not in the billing currency.
        ValueError: the amount is not positive at the currency's minor unit.
    """
    if currency.upper() != bill.currency.upper():
        raise CurrencyMismatch(f"payment in {currency}, share billed in {bill.currency}")
    judged = at
    if made is not None:
        payments = [*made, (bill.round(amount), at)]
        judged = completed_at(bill, payments) or max(when for _, when in payments)
    book, payment = Book(bill, paid=bill.round(paid_before)).pay(amount, currency, judged)
    if payment.result == "refused":
        raise ValueError(f"payment amount must be positive: {payment.note}")
    return _outcome(book, judged, applied=payment.amount, note=payment.note)


def rebill(bill: Bill, billed: Decimal, *, paid: Decimal, at: datetime) -> PaymentOutcome:
    """The share re-priced to `billed` (a dispute adjusted it), with what was paid so far.

    The discount window is kept: inside it, the new amount is discounted too.
    """
    book = Book(bill, status="disputed", paid=bill.round(paid)).reprice(billed, at)
    return _outcome(book, at)


def _outcome(book: Book, at: datetime, applied: Decimal = ZERO, note: str = "") -> PaymentOutcome:
    figures = book.figures(at)
    return PaymentOutcome(
        amount_paid=book.paid,
        amount_due=figures.amount_due,
        settled=not book.is_open,
        credit=book.credit,
        discounted=figures.discount_granted > 0,
        applied=applied,
        discount_granted=book.discount_granted,
        note=note,
        judged_at=at,
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
    high-water mark, earlier losses (in the profit's currency) are carried forward and a
    profit is charged only above them: the platform earns only on a new high.
    """
    if not high_water_mark:
        return Chargeable(profit=max(verified_profit, ZERO), carried_loss_after=ZERO)
    if verified_profit <= 0:
        return Chargeable(profit=ZERO, carried_loss_after=carried_loss - verified_profit)
    absorbed = min(carried_loss, verified_profit)
    return Chargeable(profit=verified_profit - absorbed, carried_loss_after=carried_loss - absorbed)
