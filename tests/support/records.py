"""Shares in any state the ledger can hold, written by the real ledger activities, backdated;
without a workflow or an exchange.

Reports read what the ledger wrote, and a share 20 days overdue would need 27 days of waiting
on a real server: `recorded_share` calls the ledger's own activity methods with day 0 in the
past. Tests about what lies in Postgres (encryption, rotation, seals) use `full_record`, which
gives every table with encrypted columns rows the way the application writes them.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from activities import contracts as c
from activities.fx import FixedFxRates
from activities.ledger import LedgerActivities
from db.crypto import FieldCipher
from db.models import Dispute, PaymentProof, ProfitEventRow, Share
from db.shares import canonical
from db.standing import RESTRICTING_STATUSES
from domain.ladder import ladder
from domain.models import PaymentSignal, ProfitEvent, ShareStatus, VerificationSummary
from runtime.deps import Deps
from tests.support.payments import record_payment
from tests.support.scenario import profit_event, register_account, store_event

# What `full_record` writes: a profit and a partial payment.
PROFIT = Decimal("1234.56")
PAID = Decimal("100.00")


async def stored_event(deps: Deps, reported: Decimal = Decimal("1000")) -> ProfitEvent:
    """A profit event of a new user with an exchange account, stored as intake would, not yet
    opened: for tests that drive the ledger's opening steps themselves."""
    user_id = f"u_{uuid.uuid4().hex[:10]}"
    account_id = await register_account(deps, user_id, "key", "secret")
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    event = profit_event(user_id, account_id, start=start, reported=reported)
    await store_event(deps, event)
    return event


def status_of(event: ProfitEvent, status: ShareStatus) -> c.SetStatusInput:
    """SET_STATUS's input moving the event's share to `status` now."""
    return c.SetStatusInput(
        event_id=event.event_id,
        user_id=event.user_id,
        status=status,
        at=datetime.now(UTC),
    )


def is_sealed(deps: Deps, share: Share) -> bool:
    """Whether the share's seal is the one its fields make (what `audit verify` checks)."""
    return share.verification_hash == deps.hasher.digest(canonical(share, deps.cipher))


def ledger(deps: Deps, *, high_water_mark: bool = False) -> LedgerActivities:
    return LedgerActivities(
        deps.sessions, deps.cipher, deps.hasher, FixedFxRates(), high_water_mark=high_water_mark
    )


async def recorded_share(
    deps: Deps,
    *,
    days_ago: float = 0,
    profit: Decimal | str = "1000",
    paid: Decimal | str | None = None,
    high_water_mark: bool = False,
    **event_fields: object,
) -> ProfitEvent:
    """A share recorded `days_ago` days ago that walked the ladder up to today.

    A 1000 USDT profit bills 150.00 USDT; `paid` applies a partial payment of that much.
    """
    user_id = f"u_{uuid.uuid4().hex[:10]}"
    account_id = await register_account(deps, user_id, f"key-{uuid.uuid4().hex}", "secret")
    now = datetime.now(UTC).replace(microsecond=0)
    day0 = now - timedelta(days=days_ago)
    event = profit_event(
        user_id,
        account_id,
        start=day0 - timedelta(hours=1),
        reported=Decimal(profit),
        **event_fields,
    )
    await store_event(deps, event)
    books = ledger(deps, high_water_mark=high_water_mark)
    await books.open_share(event)
    verification = VerificationSummary(
        agreed=True, verified_profit=Decimal(profit), methods={"fifo": Decimal(profit)}
    )
    recorded = await books.record_share(
        c.RecordShareInput(
            event=event, verified_profit=Decimal(profit), verification=verification, at=day0
        )
    )
    for stage in ladder():
        if stage.due(day0) <= now:
            await books.escalate(
                c.EscalateInput(
                    event_id=event.event_id,
                    user_id=user_id,
                    level=int(stage.level),
                    stage=stage.key,
                    at=stage.due(day0),
                )
            )
    if paid is not None:
        await books.apply_payment(
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
                amount_due=Decimal(recorded.billed_amount) - Decimal(paid),
                credit=Decimal(0),
                settled=False,
                discounted=False,
                at=now,
            )
        )
    return event


async def full_record(deps: Deps, **event_fields: object) -> ProfitEvent:
    """An exchange account, a profit event, an open share with one partial payment, a
    rejected payment proof and a dispute."""
    event = await recorded_share(
        deps, profit=PROFIT, paid=PAID, high_water_mark=True, **event_fields
    )
    at = datetime.now(UTC).replace(microsecond=0)
    async with deps.sessions.begin() as s:  # rows the proof and dispute endpoints write
        s.add(
            PaymentProof(
                id=f"prf_{uuid.uuid4().hex[:20]}",
                event_id=event.event_id,
                user_id=event.user_id,
                transaction_id=f"UPI{uuid.uuid4().hex[:12]}",
                amount_enc=deps.cipher.encrypt("42.50"),
                currency="USDT",
                paid_at=at,
                status="rejected",
                note_enc=deps.cipher.encrypt("blurry"),
            )
        )
        s.add(
            Dispute(
                event_id=event.event_id,
                reason_enc=deps.cipher.encrypt("not my trades"),
                opened_at=at,
                outcome="upheld",
                note_enc=deps.cipher.encrypt("fills match"),
            )
        )
    return event


async def bare_share(
    s: AsyncSession,
    cipher: FieldCipher,
    user_id: str,
    *,
    event_id: str | None = None,
    **fields: Any,
) -> Share:
    """A share row written straight to the table in `s` (with the stub event row it needs), for
    tests that want a share in some state without the ledger's history; `fields` are columns."""
    event_id = event_id or f"evt_{uuid.uuid4().hex[:10]}"
    s.add(
        ProfitEventRow(
            event_id=event_id,
            user_id=user_id,
            account_id="acc_test",
            fingerprint="0" * 64,
            body_enc=cipher.encrypt("{}"),
            started_at=datetime.now(UTC),  # not queued: no intake starter may take it
        )
    )
    await s.flush()
    share = Share(event_id=event_id, user_id=user_id, **fields)
    s.add(share)
    return share


async def share_row(deps: Deps, event_id: str) -> Share:
    async with deps.sessions() as s:
        return await s.get(Share, event_id)


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


async def share_with_credit(deps: Deps, provider: str = "standard", over: str = "40.00") -> str:
    """A paid share that then received `over` more from `provider`: held as credit. The
    last payment's transaction id is `pay_…` (Razorpay's form)."""
    event = await full_record(deps)
    books = ledger(deps)
    row = await share_row(deps, event.event_id)
    billed = deps.cipher.decrypt_decimal(row.billed_amount_enc)
    assert billed is not None
    at = event.session_end + timedelta(days=5)
    settle: dict[str, object] = {"amount_paid": billed, "settled": True}
    for amount, figures in ((billed - PAID, settle), (Decimal(over), {})):
        payment = PaymentSignal(
            provider=provider,
            transaction_id=f"pay_{uuid.uuid4().hex[:14]}",
            amount=amount,
            currency="USDT",
            paid_at=at,
        )
        await books.apply_payment(
            c.ApplyPaymentInput(
                event_id=event.event_id,
                user_id=event.user_id,
                payment=await record_payment(deps, event.event_id, payment),
                at=at,
                **figures,  # type: ignore[arg-type]
            )
        )
    return event.event_id


def queued_event(cipher: FieldCipher, event_id: str, **fields: Any) -> ProfitEventRow:
    """An event row as intake queues it for the starter (started_at NULL), whose body is no
    profit event: for tests of the queue itself, not of a share."""
    return ProfitEventRow(
        event_id=event_id,
        user_id=f"u_{event_id}",
        account_id=f"acc_{event_id}",
        fingerprint="0" * 64,
        body_enc=cipher.encrypt("{}"),
        **fields,
    )
