"""One share's money as a book that always balances, to the minor unit.

    billed = paid − credit − refunded + due + discount_granted + waived + written_off

`Terms` is everything the share will charge, fixed at day 0. `Book` is what happened
since: every payment (rounded half-up to the minor unit, then judged at its own time),
re-pricing, closing without payment and refunds. `due` is never stored: `figures(at)`
derives it, so it cannot go stale. An open share always has something due; money that
arrives when nothing is owed becomes credit, which only a refund takes out again.

Pure and deterministic: the workflow, the ledger, the reconciler and the tests share it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Literal

from domain.money import EXACT, format_money, to_minor

BookStatus = Literal["open", "disputed", "paid", "waived", "written_off", "cancelled", "no_share"]
OPEN: frozenset[BookStatus] = frozenset({"open", "disputed"})
PaymentResult = Literal["applied", "settled", "credited", "refused"]
ZERO = Decimal(0)


@dataclass(frozen=True)
class Terms:
    """What a share charges, fixed when it is recorded (day 0)."""

    billed: Decimal
    currency: str
    discount_rate: Decimal
    discount_until: datetime
    # Places of the billing currency's minor unit; None: the table's (domain/money.py).
    places: int | None = None

    def round(self, amount: Decimal) -> Decimal:
        return to_minor(amount, self.currency, self.places)

    def owed_at(self, at: datetime) -> Decimal:
        """The whole amount that settles the share at `at`: discounted inside the window."""
        if at <= self.discount_until:
            return self.round(self.billed.fma(1 - self.discount_rate, ZERO, context=EXACT))
        return self.billed

    def discount_at(self, at: datetime) -> Decimal:
        return self.billed - self.owed_at(at)

    def due_at(self, kept: Decimal, at: datetime) -> Decimal:
        """What is left to pay at `at` when `kept` was paid and kept (never below zero)."""
        return max(self.round(ZERO), self.owed_at(at) - kept)


def completed_at(terms: Terms, made: Iterable[tuple[Decimal, datetime]]) -> datetime | None:
    """When payments `(amount, paid_at)` completed the share: the first moment the payments
    made by then cover what is owed then, so the latest paid_at among the payments that count
    toward it. None: they never do. A set of payments, not a sequence: the order they arrived
    in changes nothing (a late webhook of an early payment does not move the moment back).
    """
    by_time: dict[datetime, Decimal] = {}
    for amount, at in made:
        by_time[at] = by_time.get(at, ZERO) + amount
    kept = ZERO
    # What is owed only grows with time and what was paid only at a payment: the first
    # moment covered is a payment's time.
    for at in sorted(by_time):
        kept += by_time[at]
        if kept >= terms.owed_at(at):
            return at
    return None


@dataclass(frozen=True)
class Figures:
    """The Share's money at one moment (CONTRACT.md), every amount at the minor unit."""

    billed: Decimal
    amount_paid: Decimal
    credit: Decimal
    refunded: Decimal
    amount_due: Decimal
    discount_granted: Decimal
    waived_amount: Decimal
    written_off_amount: Decimal

    @property
    def balanced(self) -> bool:
        kept = self.amount_paid - self.credit - self.refunded
        return self.billed == (
            kept
            + self.amount_due
            + self.discount_granted
            + self.waived_amount
            + self.written_off_amount
        )


@dataclass(frozen=True)
class Payment:
    """What one payment did: its amount as applied (rounded) and how it counted."""

    result: PaymentResult
    amount: Decimal
    note: str = ""


@dataclass(frozen=True)
class Book:
    terms: Terms
    status: BookStatus = "open"
    paid: Decimal = ZERO
    credit: Decimal = ZERO
    refunded: Decimal = ZERO
    discount_granted: Decimal = ZERO
    waived: Decimal = ZERO
    written_off: Decimal = ZERO

    @classmethod
    def opened(cls, terms: Terms) -> Book:
        zero = terms.round(ZERO)
        status: BookStatus = "open" if terms.billed > 0 else "no_share"
        return cls(terms, status, zero, zero, zero, zero, zero, zero)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    @property
    def kept(self) -> Decimal:
        """Money received and kept against the share (not credit, not refunded)."""
        return self.paid - self.credit - self.refunded

    def due_at(self, at: datetime) -> Decimal:
        if not self.is_open:
            return self.terms.round(ZERO)
        return self.terms.owed_at(at) - self.kept

    def figures(self, at: datetime) -> Figures:
        """The Share's figures at `at`: an open share shows the discount it would get now."""
        discount = self.discount_granted
        if self.is_open:
            discount = self.terms.discount_at(at)
        return Figures(
            billed=self.terms.billed,
            amount_paid=self.paid,
            credit=self.credit,
            refunded=self.refunded,
            amount_due=self.due_at(at),
            discount_granted=discount,
            waived_amount=self.waived,
            written_off_amount=self.written_off,
        )

    # --- what can happen ------------------------------------------------------------------
    def pay(self, amount: Decimal, currency: str, at: datetime) -> tuple[Book, Payment]:
        """One payment, judged at its own time `at` (a discount earned is kept).

        Finer than the minor unit: rounded half-up, and the note says so. Into a share that
        owes nothing (paid, waived, cancelled, ...): all of it becomes credit.
        """
        if currency.upper() != self.terms.currency.upper():
            note = f"paid in {currency}, the share is billed in {self.terms.currency}"
            return self, Payment("refused", self.terms.round(ZERO), note)
        rounded = self.terms.round(amount)
        note = (
            ""
            if rounded == amount
            else f"{format_money(amount)} rounded to {format_money(rounded)}"
        )
        if rounded <= 0:
            return self, Payment("refused", self.terms.round(ZERO), note or "not positive")
        paid = self.paid + rounded
        if not self.is_open:
            return replace(self, paid=paid, credit=self.credit + rounded), Payment(
                "credited", rounded, note
            )
        book = self._settle_if_covered(replace(self, paid=paid), at)
        return book, Payment("settled" if book.status == "paid" else "applied", rounded, note)

    def reprice(self, billed: Decimal, at: datetime) -> Book:
        """The share re-priced after a dispute: same rate, FX and discount window.

        What was already paid counts at the new price; above it, it becomes credit.
        """
        terms = replace(self.terms, billed=self.terms.round(billed))
        book = replace(self, terms=terms, status="open")
        if terms.billed <= 0:
            return replace(book, status="no_share", credit=book.paid - book.refunded)
        return book._settle_if_covered(book, at)

    def resume(self) -> Book:
        """A dispute upheld: the share stands as it was."""
        return replace(self, status="open") if self.status == "disputed" else self

    def dispute(self) -> Book:
        return replace(self, status="disputed") if self.status == "open" else self

    def cancel(self) -> Book:
        """The share was never owed: everything billed is forgiven, everything kept is credit."""
        if not self.is_open:
            return self
        zero = self.terms.round(ZERO)
        return replace(
            self,
            status="cancelled",
            credit=self.paid - self.refunded,
            discount_granted=zero,
            waived=self.terms.billed,
        )

    def waive(self, *, write_off: bool = False) -> Book:
        """Closes without payment; the discount is earned only by paying, so all the rest."""
        if not self.is_open:
            return self
        rest = self.terms.billed - self.kept
        if write_off:
            return replace(self, status="written_off", written_off=rest)
        return replace(self, status="waived", waived=rest)

    def refund(self, amount: Decimal) -> Book:
        """Gives credit back to the payer.

        Raises:
            ValueError: the amount is not positive at the minor unit, or above the credit.
        """
        rounded = self.terms.round(amount)
        if rounded <= 0:
            raise ValueError("a refund must be positive")
        if rounded > self.credit:
            raise ValueError(
                f"only {format_money(self.credit)} {self.terms.currency} is held as credit"
            )
        return replace(self, credit=self.credit - rounded, refunded=self.refunded + rounded)

    @staticmethod
    def _settle_if_covered(book: Book, at: datetime) -> Book:
        owed = book.terms.owed_at(at)
        if book.kept < owed:
            return book
        return replace(
            book,
            status="paid",
            discount_granted=book.terms.billed - owed,
            credit=book.credit + (book.kept - owed),
        )
