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
from db.models import Share
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
    """An exchange account, a profit event, an open share with one partial payment."""
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
    return event


async def share_row(deps: Deps, event_id: str) -> Share:
    async with deps.sessions() as s:
        return await s.get(Share, event_id)
