"""A share's whole record written by the real ledger activities, without a workflow or exchange.

For tests about what lies in Postgres (encryption, rotation, seals): every table with
encrypted columns gets rows the way the application writes them.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from activities import contracts as c
from activities.fx import FixedFxRates
from activities.ledger import LedgerActivities
from db.models import Dispute, PaymentProof, Share
from domain.models import PaymentSignal, ProfitEvent, VerificationSummary
from tests.support.scenario import profit_event, register_account, store_event
from workers.deps import Deps

PROFIT = Decimal("1234.56")
PAID = Decimal("100.00")


def ledger(deps: Deps) -> LedgerActivities:
    return LedgerActivities(
        deps.sessions, deps.cipher, deps.hasher, FixedFxRates(), high_water_mark=True
    )


async def recorded_share(deps: Deps, **event_fields: object) -> ProfitEvent:
    """An exchange account, a profit event, an open share with one partial payment, a
    rejected payment proof and a dispute."""
    user = f"u_{uuid.uuid4().hex[:10]}"
    account = await register_account(deps, user, f"key-{uuid.uuid4().hex}", uuid.uuid4().hex)
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    event = profit_event(user, account, start=start, reported=PROFIT, **event_fields)
    await store_event(deps, event)
    books = ledger(deps)
    await books.open_share(event)
    at = event.session_end + timedelta(minutes=1)
    verification = VerificationSummary(
        agreed=True, verified_profit=PROFIT, methods={"fifo": PROFIT, "average": PROFIT}
    )
    recorded = await books.record_share(
        c.RecordShareInput(event=event, verified_profit=PROFIT, verification=verification, at=at)
    )
    payment = PaymentSignal(
        provider="standard",
        transaction_id=f"txn-{uuid.uuid4().hex[:8]}",
        amount=PAID,
        currency="USDT",
        paid_at=at,
    )
    await books.apply_payment(
        c.ApplyPaymentInput(
            event_id=event.event_id,
            user_id=user,
            payment=payment,
            amount_paid=PAID,
            amount_due=recorded.billed_amount - PAID,
            credit=Decimal(0),
            settled=False,
            discounted=False,
            at=at,
        )
    )
    async with deps.sessions.begin() as s:  # rows the proof and dispute endpoints write
        s.add(PaymentProof(
            id=f"prf_{uuid.uuid4().hex[:20]}", event_id=event.event_id, user_id=user,
            transaction_id=f"UPI{uuid.uuid4().hex[:12]}", amount_enc=deps.cipher.encrypt("42.50"),
            currency="USDT", paid_at=at, status="rejected", note_enc=deps.cipher.encrypt("blurry"),
        ))
        s.add(Dispute(event_id=event.event_id, reason_enc=deps.cipher.encrypt("not my trades"),
                      opened_at=at, outcome="upheld", note_enc=deps.cipher.encrypt("fills match")))
    return event


async def share_row(deps: Deps, event_id: str) -> Share:
    async with deps.sessions() as s:
        return await s.get(Share, event_id)
