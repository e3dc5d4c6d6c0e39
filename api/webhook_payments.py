"""Verified gateway payments become payment rows and payment signals, exactly once.

Shared by the webhook route (a signed callback is the payment) and the PhonePe v2
confirmer (the Order Status answer is the payment). The payment row (unique per provider
and transaction id) commits before the workflow is signalled; a failed signal raises so the
caller answers 503 (the gateway retries) or tries again later (the confirmer).
Every signed money message leaves a row: applied, unmatched, refused or waiting.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import structlog
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert

from db import audit
from db.alerts import OPS_ALERTS
from db.audit import Actor
from db.audited import audited_in, audited_share
from db.counted import counted_before
from db.credit import keep_as_credit
from db.models import Payment, Share
from db.seals import seal_row, sealed_values
from db.utr_claims import approved_proof_claiming
from domain.models import OWED_STATUSES, PaymentSignal
from domain.money import to_minor
from domain.webhooks import GatewayPayment
from workflows.share_client import ShareClient, ShareClosed

log = structlog.get_logger()


async def record_and_signal(state: Any, payment: GatewayPayment) -> str:
    """ "applied", "duplicate", "unmatched" or "refused" (`state` is the app's state)."""
    deps, now = state.deps, datetime.now(UTC)
    async with deps.sessions.begin() as s:
        share = await share_by_reference(s, payment.payment_reference)
        refusal = _refusal(share, payment) or (share and await _counted_as_proof(s, payment))
        status = "unmatched" if share is None else ("refused" if refusal else "received")
        partition = _partition(share)
        if status != "received":  # the alert's chain before the payment row locks the share
            await audit.lock_chain(s, partition)
        inserted = await insert_payment(s, deps, payment, share, status, refusal, now)
        if inserted is None:
            status = await _status_of(s, payment) or status
        elif status != "received":
            state.metrics.webhook_rejected(payment.provider, status)
            reason = refusal or "no open share has this payment reference"
            await alert_ops(
                s,
                deps,
                payment,
                now,
                partition=partition,
                action=f"payment.{status}",
                reason=reason,
            )
    if status in ("unmatched", "refused") or share is None:
        return status if inserted is not None else "duplicate"
    return await _signal_once(state, payment, share, now)


async def record_refused(state: Any, payment: GatewayPayment, reason: str) -> str:
    """A signed callback whose amount cannot be used: kept as `refused`, alerted, answered."""
    deps, now = state.deps, datetime.now(UTC)
    if payment.amount_problem and "out of range" in payment.amount_problem or payment.amount < 0:
        # What cannot be held as money is kept in the note (the reason quotes it), not the row.
        payment = replace(payment, amount=Decimal(0), amount_problem=None)
    async with deps.sessions.begin() as s:
        share = await share_by_reference(s, payment.payment_reference)
        partition = _partition(share)
        await audit.lock_chain(s, partition)  # the alert's chain before the row locks the share
        inserted = await insert_payment(s, deps, payment, share, "refused", reason, now)
        if inserted is None:
            return "duplicate"
        state.metrics.webhook_rejected(payment.provider, "refused")
        await alert_ops(
            s, deps, payment, now, partition=partition, action="payment.refused", reason=reason
        )
    return "refused"


def _partition(share: Share | None) -> str:
    """The audit chain an alert about this payment goes to: its user's, or ops' own."""
    return share.user_id if share is not None else OPS_ALERTS


async def share_by_reference(s, reference: str | None) -> Share | None:
    if not reference:
        return None
    return await s.scalar(select(Share).where(Share.payment_reference == reference))


async def _status_of(s, payment: GatewayPayment) -> str | None:
    """The status of the row an earlier delivery of this payment left."""
    return await s.scalar(
        select(Payment.status).where(
            Payment.provider == payment.provider,
            Payment.transaction_id == payment.transaction_id,
        )
    )


async def insert_payment(s, deps, payment, share, status, note, now) -> int | None:
    return await s.scalar(
        insert(Payment)
        .values(
            **sealed_values(
                Payment,
                deps.hasher,
                deps.cipher,
                provider=payment.provider,
                transaction_id=payment.transaction_id,
                event_id=share.event_id if share else None,
                payment_reference=payment.payment_reference,
                amount_enc=deps.cipher.encrypt(format(payment.amount, "f")),  # exact, fixed-point
                currency=payment.currency,
                paid_at=payment.paid_at or now,
                status=status,
                note=note,
                utr=payment.utr,
            )
        )
        .on_conflict_do_nothing(constraint="uq_payment_txn")
        .returning(Payment.id)
    )


def _refusal(share: Share | None, payment: GatewayPayment) -> str | None:
    """Why a matched payment cannot count; checked before the workflow ever sees it."""
    if share is None:
        return None
    billed_in = share.billing_currency or share.currency
    if payment.currency.upper() != billed_in.upper():
        return f"paid in {payment.currency}, the share is billed in {billed_in}"
    if payment.amount <= 0:
        return "the amount is not positive"
    if to_minor(payment.amount, billed_in) == 0:
        # Cashfree's rupees are rounded to the paisa (issue 13); 0.004 rounds to nothing,
        # which the workflow would refuse without a row or an alert.
        return f"the amount is less than one minor unit of {billed_in}"
    return None


async def _counted_as_proof(s, payment: GatewayPayment) -> str | None:
    """A transaction id is unique across all payments (DESIGN.md): one an admin approved as a
    manual UPI proof already counted that money, so this one is refused (kept, alerted)."""
    claimed = [payment.transaction_id] + ([payment.utr] if payment.utr else [])
    proof = await approved_proof_claiming(s, claimed)
    return f"the approved payment proof {proof} already counted this transaction" if proof else None


async def _signal_once(state: Any, payment: GatewayPayment, share: Share, now: datetime) -> str:
    """Tells the workflow unless an earlier delivery did; a lock on the payment's key
    serialises copies. Not the row's own lock: the workflow's payment activity takes that one
    while this request waits for the update to be accepted (workflows/share_client.py).

    The request that signals answers with the workflow's own answer when it comes within a
    moment (applied, credited, refused), else "applied" (queued: it will be applied or
    credited); a retry after a 503 included. Every other copy answers "duplicate". The
    workflow also ignores a transaction id it has seen. A share that owes nothing any more
    keeps the money as credit instead ("credited").
    """
    deps, event_id = state.deps, share.event_id
    # `share` as this request read it a moment ago: still owing, it is not read again (a
    # share closing meanwhile is caught below, as one closing during the update is).
    if share.status not in OWING:
        kept = await _kept_if_closed(state, payment, event_id, now)
        if kept is not None:
            return kept
    signal = PaymentSignal(
        provider=payment.provider,
        transaction_id=payment.transaction_id,
        amount=payment.amount,
        currency=payment.currency,
        paid_at=payment.paid_at or now,
    )
    shares = await _share_client(state)
    async with deps.sessions.begin() as s:
        key = f"payment:{payment.provider}:{payment.transaction_id}"
        await s.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(key, 0))))
        row = await s.scalar(
            select(Payment).where(
                Payment.provider == payment.provider,
                Payment.transaction_id == payment.transaction_id,
            )
        )
        if row.signalled_at is not None or row.status == "applied":
            return "duplicate"
        try:
            sent = await shares.pay(event_id, signal)
        except ShareClosed:  # (Temporal down is an RPCError: 503, the retry signals)
            # The share's workflow has completed. Still owed (handed to collections): the row
            # stays received and the payment reconciler applies it, audited. Owing nothing:
            # kept as credit below, after this transaction (the chain lock comes first).
            if not await _share_owes_nothing(deps, event_id):
                row.note = "applied by the payment reconciler"
                seal_row(row, deps.hasher, deps.cipher)
                return "applied"
            closed = True
        else:
            closed = False
            row.signalled_at = now
    if closed:
        return await _kept_if_closed(state, payment, event_id, now) or "duplicate"
    state.metrics.payment_signalled(payment.provider)
    # Committed; now the workflow's own answer, briefly (never holding a lock meanwhile).
    answer = await shares.answer_for(event_id, sent)
    if answer == "credited":
        return "credited"
    if answer is not None and answer.startswith("refused"):
        return "refused"
    return "applied"


async def _share_client(state: Any) -> ShareClient:
    return ShareClient(await state.temporal(), state.settings.task_queue)


# A share in these statuses is still owed: its workflow takes the money.
OWING = OWED_STATUSES


async def _share_owes_nothing(deps: Any, event_id: str) -> bool:
    async with deps.sessions() as s:
        status = await s.scalar(select(Share.status).where(Share.event_id == event_id))
    return status is not None and status not in OWING


async def keep_if_closed(
    state: Any, provider: str, transaction_id: str, event_id: str, now: datetime
) -> str | None:
    """The recorded payment `provider`/`transaction_id`, for a share that owes nothing (paid,
    waived, cancelled), is kept as credit, not signalled; None while the share is open."""
    deps = state.deps
    async with deps.sessions() as s:
        user_id = await s.scalar(select(Share.user_id).where(Share.event_id == event_id))
    if user_id is None or not await _share_owes_nothing(deps, event_id):
        return None
    actor = Actor("system", name=provider)
    async with audited_share(
        deps.sessions, deps.auditor, actor=actor, user_id=user_id, event_id=event_id
    ) as (a, share):
        row = await a.locked(
            select(Payment).where(
                Payment.provider == provider, Payment.transaction_id == transaction_id
            )
        )
        if row is None or share.status in OWING:
            return None
        if row.status != "received" or row.signalled_at is not None:
            return "duplicate"
        if await counted_before(a, event_id, provider, transaction_id, at=now):
            return "duplicate"
        kept = await keep_as_credit(a, share, row, at=now)
        a.restanding(user_id)
    return kept


async def _kept_if_closed(
    state: Any, payment: GatewayPayment, event_id: str, now: datetime
) -> str | None:
    kept = await keep_if_closed(state, payment.provider, payment.transaction_id, event_id, now)
    if kept is not None:
        state.metrics.webhook_rejected(payment.provider, f"share_closed_{kept}")
    return kept


async def alert_ops(
    s, deps, payment: GatewayPayment, now: datetime, *, partition: str, action: str, reason: str
) -> None:
    actor = Actor("system", name=payment.provider)
    async with audited_in(s, deps.auditor, actor=actor, partition=partition) as a:
        await a.record(
            action,
            subject=OPS_ALERTS,
            key=f"{action.removeprefix('payment.')}:{payment.provider}:{payment.transaction_id}",
            details={"reference": payment.payment_reference, "reason": reason},
            at=now,
        )
    log.warning("payment needs ops", action=action, provider=payment.provider, reason=reason)
