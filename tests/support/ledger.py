"""Shares in any state the ledger can hold, written by the real ledger activities, backdated.

Reports read what the ledger wrote; a share 20 days overdue would need 27 days of waiting on
a real server, so these call the ledger's own activity methods with day 0 in the past.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from activities import contracts as c
from activities.fx import FixedFxRates
from activities.ledger import LedgerActivities
from db.models import Share
from db.standing import RESTRICTING_STATUSES
from domain.ladder import ladder
from domain.models import PaymentSignal, VerificationSummary
from tests.support.payments import record_payment
from tests.support.scenario import profit_event, register_account, store_event
from workers.deps import Deps


def ledger(deps: Deps) -> LedgerActivities:
    return LedgerActivities(deps.sessions, deps.cipher, deps.hasher, FixedFxRates())


async def recorded_share(
    deps: Deps, *, days_ago: float, profit: str = "1000", paid: str | None = None
) -> str:
    """A share recorded `days_ago` days ago that walked the ladder up to today; returns its id.

    A 1000 USDT profit bills 150.00 USDT; `paid` applies a partial payment of that much.
    """
    user_id = f"u_{uuid.uuid4().hex[:10]}"
    account_id = await register_account(deps, user_id, f"key-{uuid.uuid4().hex}", "secret")
    now = datetime.now(UTC)
    day0 = now - timedelta(days=days_ago)
    event = profit_event(
        user_id, account_id, start=day0 - timedelta(hours=1), reported=Decimal(profit)
    )
    await store_event(deps, event)
    activities = ledger(deps)
    await activities.open_share(event)
    verification = VerificationSummary(
        agreed=True, verified_profit=Decimal(profit), methods={"fifo": Decimal(profit)}
    )
    recorded = await activities.record_share(
        c.RecordShareInput(
            event=event, verified_profit=Decimal(profit), verification=verification, at=day0
        )
    )
    for stage in ladder():
        if stage.due(day0) <= now:
            await activities.escalate(
                c.EscalateInput(
                    event_id=event.event_id,
                    user_id=user_id,
                    level=int(stage.level),
                    stage=stage.key,
                    at=stage.due(day0),
                )
            )
    if paid is not None:
        billed = Decimal(recorded.billed_amount)
        await activities.apply_payment(
            c.ApplyPaymentInput(
                event_id=event.event_id,
                user_id=user_id,
                payment=await record_payment(
                    deps,
                    event.event_id,
                    PaymentSignal(
                        provider="standard",
                        transaction_id=f"txn-{uuid.uuid4().hex[:10]}",
                        amount=Decimal(paid),
                        currency=recorded.billing_currency,
                        paid_at=now,
                    ),
                ),
                amount_paid=Decimal(paid),
                amount_due=billed - Decimal(paid),
                credit=Decimal(0),
                settled=False,
                discounted=False,
                at=now,
            )
        )
    return event.event_id


async def owed_past_due(deps: Deps, as_of: datetime) -> dict[str, Decimal]:
    """What the ledger says open shares past their due date still owe, per currency."""
    async with deps.sessions() as s:
        rows = await s.scalars(
            select(Share).where(Share.status.in_(RESTRICTING_STATUSES), Share.due_at < as_of)
        )
        owed: dict[str, Decimal] = {}
        for share in rows:
            due = deps.cipher.decrypt_decimal(share.amount_due_enc) or Decimal(0)
            if due > 0:
                currency = share.billing_currency or share.currency
                owed[currency] = owed.get(currency, Decimal(0)) + due
    return owed
