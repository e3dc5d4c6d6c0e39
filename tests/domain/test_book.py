"""One share's book under any sequence of events: it balances to the minor unit after each.

Payments of any precision and currency, proofs (payments judged at their own paid_at),
disputes with every outcome, waivers, write-offs, refunds and time passing across the
discount window and the ladder.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from domain.book import Book, Terms
from domain.money import minor_unit_places, to_minor

DAY0 = datetime(2026, 11, 1, tzinfo=UTC)
CURRENCIES = ["INR", "USDT", "JPY", "KWD", "ETH"]
any_amount = st.decimals(
    min_value=Decimal("0.00000001"), max_value=Decimal("20000"), places=8, allow_nan=False
)


def terms(billed: str, currency: str = "INR", places: int | None = None) -> Terms:
    places = minor_unit_places(currency) if places is None else places
    return Terms(
        billed=to_minor(Decimal(billed), currency, places),
        currency=currency,
        discount_rate=Decimal("0.05"),
        discount_until=DAY0 + timedelta(days=3),
        places=places,
    )


class OneShare(RuleBasedStateMachine):
    @initialize(
        billed=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("10000"), places=4),
        currency=st.sampled_from(CURRENCIES),
    )
    def record(self, billed: Decimal, currency: str) -> None:
        self.book = Book.opened(terms(str(billed), currency))
        self.now = DAY0
        self.received = Decimal(0)

    @rule(hours=st.integers(min_value=1, max_value=24 * 20))
    def time_passes(self, hours: int) -> None:
        self.now += timedelta(hours=hours)

    @rule(amount=any_amount, same=st.booleans(), earlier=st.integers(min_value=0, max_value=96))
    def payment(self, amount: Decimal, same: bool, earlier: int) -> None:
        currency = self.book.terms.currency if same else "XYZ"
        at = max(DAY0, self.now - timedelta(hours=earlier))  # a proof's paid_at, a late webhook
        book, payment = self.book.pay(amount, currency, at)
        if payment.result != "refused":
            assert payment.amount == self.book.terms.round(amount)
            self.received += payment.amount
        if payment.result == "credited":
            assert book.credit - self.book.credit == payment.amount
        self.book = book

    @rule(amount=any_amount)
    def pay_exactly_what_is_due(self, amount: Decimal) -> None:
        due = self.book.due_at(self.now)
        if due > 0:
            self.book, payment = self.book.pay(due, self.book.terms.currency, self.now)
            assert payment.result == "settled" and self.book.status == "paid"
            self.received += due

    @precondition(lambda self: self.book.status == "open")
    @rule()
    def dispute(self) -> None:
        self.book = self.book.dispute()

    @precondition(lambda self: self.book.status == "disputed")
    @rule()
    def upheld(self) -> None:
        self.book = self.book.resume()

    @precondition(lambda self: self.book.status == "disputed")
    @rule(billed=st.decimals(min_value=Decimal(0), max_value=Decimal("10000"), places=3))
    def adjusted(self, billed: Decimal) -> None:
        self.book = self.book.reprice(billed, self.now)

    @precondition(lambda self: self.book.status == "disputed")
    @rule()
    def cancelled(self) -> None:
        self.book = self.book.cancel()

    @rule(write_off=st.booleans())
    def close_without_payment(self, write_off: bool) -> None:
        self.book = self.book.waive(write_off=write_off)

    @rule(fraction=st.decimals(min_value=Decimal("0.01"), max_value=Decimal(1), places=2))
    def refund(self, fraction: Decimal) -> None:
        amount = self.book.terms.round(self.book.credit * fraction)
        if amount <= 0:
            with pytest.raises(ValueError):
                self.book.refund(amount)
            return
        before = self.book
        self.book = self.book.refund(amount)
        assert self.book.refunded - before.refunded == amount
        with pytest.raises(ValueError):
            self.book.refund(self.book.credit + Decimal(1))

    @invariant()
    def balances_to_the_minor_unit(self) -> None:
        f = self.book.figures(self.now)
        assert f.balanced, f
        places = minor_unit_places(self.book.terms.currency)
        for value in vars(f).values():
            assert value >= 0 and value.as_tuple().exponent == -places, f

    @invariant()
    def an_open_share_always_owes_something(self) -> None:
        if self.book.is_open:
            assert self.book.due_at(self.now) > 0

    @invariant()
    def no_money_is_lost(self) -> None:
        assert self.book.paid == self.received


OneShare.TestCase.settings = settings(max_examples=150, stateful_step_count=30, deadline=None)
TestOneShare = OneShare.TestCase


# --- exact figures ------------------------------------------------------------------------
INSIDE = DAY0 + timedelta(days=1)
AFTER = DAY0 + timedelta(days=5)


def test_a_six_decimal_payment_of_the_discounted_amount_settles_and_is_recorded_rounded():
    book = Book.opened(terms("150.00"))  # 142.50 inside the window
    book, payment = book.pay(Decimal("142.499999"), "INR", INSIDE)
    assert (payment.result, payment.amount) == ("settled", Decimal("142.50"))
    assert payment.note == "142.499999 rounded to 142.50"
    f = book.figures(AFTER)
    assert (f.amount_due, f.discount_granted, f.credit) == (Decimal("0.00"), Decimal("7.50"), 0)


def test_an_eight_decimal_payment_a_hair_short_leaves_a_cent_due_not_an_open_zero():
    book = Book.opened(terms("150.00"))
    book, payment = book.pay(Decimal("149.99499999"), "INR", AFTER)
    assert (payment.result, payment.amount) == ("applied", Decimal("149.99"))
    assert book.status == "open" and book.due_at(AFTER) == Decimal("0.01")


def test_a_kwd_and_a_jpy_share_round_to_their_own_places():
    book, p = Book.opened(terms("10.000", "KWD")).pay(Decimal("9.4995"), "KWD", INSIDE)
    assert (p.result, p.amount, book.discount_granted) == (
        "settled",
        Decimal("9.500"),
        Decimal("0.500"),
    )
    book, p = Book.opened(terms("1500", "JPY")).pay(Decimal("1424.5"), "JPY", INSIDE)
    assert (p.result, p.amount, book.discount_granted) == (
        "settled",
        Decimal("1425"),
        Decimal("75"),
    )


def test_a_payment_made_inside_the_window_counts_the_discount_whenever_it_is_judged():
    # A proof submitted after the window closed, for a payment made inside it.
    book, p = Book.opened(terms("150.00")).pay(Decimal("142.50"), "INR", INSIDE)
    assert p.result == "settled" and book.figures(AFTER).discount_granted == Decimal("7.50")


@pytest.mark.parametrize("close", ["paid", "waived", "written_off", "cancelled"])
def test_money_after_the_share_closed_becomes_credit(close):
    book = Book.opened(terms("150.00"))
    if close == "paid":
        book, _ = book.pay(Decimal("150.00"), "INR", AFTER)
    elif close == "cancelled":
        book = book.dispute().cancel()
    else:
        book = book.waive(write_off=close == "written_off")
    book, p = book.pay(Decimal("150.00"), "INR", AFTER)
    assert (p.result, book.credit) == ("credited", Decimal("150.00"))
    assert book.figures(AFTER).balanced


def test_a_refund_takes_credit_out_once():
    book, _ = Book.opened(terms("150.00")).pay(Decimal("200.00"), "INR", AFTER)
    assert book.credit == Decimal("50.00")
    book = book.refund(Decimal("50"))
    assert (book.credit, book.refunded) == (Decimal("0.00"), Decimal("50.00"))
    with pytest.raises(ValueError):
        book.refund(Decimal("50"))  # the same refund again finds no credit left
    assert book.figures(AFTER).balanced


def test_a_cancelled_share_gives_back_what_was_paid_as_credit():
    book, _ = Book.opened(terms("150.00")).pay(Decimal("40.00"), "INR", AFTER)
    book = book.dispute().cancel()
    f = book.figures(AFTER)
    assert (f.credit, f.waived_amount, f.amount_due) == (Decimal("40.00"), Decimal("150.00"), 0)
    assert f.balanced


def test_repricing_below_what_was_paid_settles_with_the_rest_as_credit():
    book, _ = Book.opened(terms("150.00")).pay(Decimal("100.00"), "INR", AFTER)
    book = book.dispute().reprice(Decimal("80.00"), AFTER)
    assert (book.status, book.credit) == ("paid", Decimal("20.00"))
