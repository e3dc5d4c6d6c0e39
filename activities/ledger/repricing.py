"""A dispute's outcome priced by the ledger, the way day 0 priced the share.

Adjusted: the admin's profit, less the carried loss the high-water mark applies (what this
share absorbed is available again first), × the day-0 rate × the day-0 FX, rounded once.
Cancelled: the share was not owed; what it paid becomes credit and the loss it absorbed is
carried again.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from activities import contracts as c
from activities.ledger.trust import carry_loss
from db.crypto import FieldCipher
from db.models import Share
from db.shares import amounts, book_of, set_amounts
from domain.book import Book
from domain.models import ShareStatus
from domain.money import to_minor
from domain.settlement import billed_for, chargeable_profit, share_amount

_STATUS: dict[str, ShareStatus] = {
    "open": "open",
    "disputed": "open",
    "paid": "paid",
    "no_share": "no_share",
    "cancelled": "rejected",
}


async def settle_dispute(
    s: AsyncSession,
    cipher: FieldCipher,
    share: Share,
    cmd: c.ResolveDisputeInput,
    *,
    high_water_mark: bool,
) -> None:
    """Writes the outcome's figures onto the (locked) share row."""
    book = book_of(share, cipher)
    assert book is not None, "a disputed share was recorded"
    money = amounts(share, cipher)
    absorbed = money["loss_absorbed"] or Decimal(0)
    if cmd.outcome == "adjusted":
        assert cmd.verified_profit is not None
        profit = cmd.verified_profit
        charged, absorbed = await _charge(s, cipher, share, profit, absorbed, high_water_mark)
        rate, fx = Decimal(share.share_rate or 0), Decimal(share.fx_rate or 1)
        billed = billed_for(charged, rate, fx, book.terms.currency, book.terms.places)
        book = book.reprice(billed, cmd.at)
        set_amounts(
            share,
            cipher,
            verified_profit=to_minor(profit, share.currency),
            share_amount=share_amount(charged, rate, share.currency),
            billed_amount=book.terms.billed,
            loss_absorbed=absorbed if high_water_mark else None,
        )
    elif cmd.outcome == "cancelled":
        book = book.cancel()
        if high_water_mark and absorbed:
            await carry_loss(s, cipher, share.user_id, share.currency, lambda c: c + absorbed)
            set_amounts(share, cipher, loss_absorbed=absorbed * 0)
        share.closed_reason = "dispute_cancelled"
    else:
        book = book.resume()
    share.status = _STATUS[book.status]
    _write(share, cipher, book, cmd.at)


def settled(share: Share, cipher: FieldCipher) -> c.DisputeSettled:
    """What the ledger holds now: the answer to the workflow, on a retry too."""
    money = amounts(share, cipher)
    book = book_of(share, cipher)
    assert book is not None
    return c.DisputeSettled(
        status=share.status,  # type: ignore[arg-type]
        verified_profit=money["verified_profit"],
        share_amount=money["share_amount"],  # type: ignore[arg-type]
        billed_amount=book.terms.billed,
        amount_paid=book.paid,
        amount_due=book.due_at(share.updated_at) if book.is_open else book.terms.round(Decimal(0)),
        credit=book.credit,
        discount_granted=book.discount_granted,
        waived_amount=book.waived if share.status == "rejected" else None,
    )


async def _charge(
    s: AsyncSession,
    cipher: FieldCipher,
    share: Share,
    profit: Decimal,
    absorbed: Decimal,
    high_water_mark: bool,
) -> tuple[Decimal, Decimal]:
    if not high_water_mark:
        return max(profit, Decimal(0)), Decimal(0)
    charge = chargeable_profit(profit, absorbed, high_water_mark=True)

    def re_earn(carried: Decimal) -> Decimal:
        # The loss this share absorbed is available again, then applied as at day 0.
        nonlocal charge
        charge = chargeable_profit(profit, carried + absorbed, high_water_mark=True)
        return charge.carried_loss_after

    await carry_loss(s, cipher, share.user_id, share.currency, re_earn)
    return charge.profit, max(profit, Decimal(0)) - charge.profit


def _write(share: Share, cipher: FieldCipher, book: Book, at: datetime) -> None:
    set_amounts(
        share,
        cipher,
        amount_paid=book.paid,
        amount_due=book.due_at(at),
        credit=book.credit,
        discount_granted=book.discount_granted,
        waived_amount=book.waived if book.status == "cancelled" else None,
        written_off_amount=None,
    )
