"""Money that reaches a share which no longer owes it is kept as credit, never dropped.

The ledger activity decides from the share row: a paid, waived or written-off share (or a
payment the workflow hands over while it settles its notices) keeps the money as credit,
answers `credited`, audits it and alerts ops; every share still balances exactly.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from activities import contracts as c
from db.alerts import OPS_ALERTS
from db.integrity import balance_finding, verify
from db.models import AuditEntry, Payment
from db.shares import load_view
from domain.models import PaymentSignal, Waiver
from tests.support.payments import record_payment
from tests.support.records import PAID, full_record, ledger, share_row


def _payment(amount: str, at, currency: str = "USDT") -> PaymentSignal:
    return PaymentSignal(
        provider="standard",
        transaction_id=f"txn-{uuid.uuid4().hex[:10]}",
        amount=Decimal(amount),
        currency=currency,
        paid_at=at,
    )


async def _pay(deps, event, payment: PaymentSignal, **figures) -> str:
    """As the workflow applies a payment the webhook route recorded."""
    return await ledger(deps).apply_payment(
        c.ApplyPaymentInput(
            event_id=event.event_id,
            user_id=event.user_id,
            payment=await record_payment(deps, event.event_id, payment),
            at=payment.paid_at,
            **figures,
        )
    )


async def _settle(deps, event, at) -> None:
    row = await share_row(deps, event.event_id)
    billed = deps.cipher.decrypt_decimal(row.billed_amount_enc)
    rest = billed - PAID
    answer = await _pay(
        deps,
        event,
        _payment(str(rest), at),
        amount_paid=billed,
        amount_due=Decimal("0.00"),
        settled=True,
        discount_granted=Decimal("0.00"),
    )
    assert answer == "applied"


@pytest.mark.parametrize("closed", ["paid", "waived", "write_off", "settling"])
async def test_a_payment_to_a_share_that_owes_nothing_becomes_credit(deps, closed):
    event = await full_record(deps)
    at = event.session_end + timedelta(days=5)
    books = ledger(deps)
    if closed == "paid":
        await _settle(deps, event, at)
    elif closed in ("waived", "write_off"):
        kind = "waive" if closed == "waived" else "write_off"
        await books.close_share(
            c.CloseShareInput(
                event_id=event.event_id,
                user_id=event.user_id,
                reason=Waiver(kind=kind).kind,
                waived_amount=Decimal("0.00"),
                at=at,
            )
        )
    else:  # the workflow settled and hands over a payment that came while it told everyone
        await _settle(deps, event, at)

    late = _payment("25.005", at + timedelta(hours=1))
    assert await _pay(deps, event, late, credit_only=closed == "settling") == "credited"
    assert await _pay(deps, event, late) == "duplicate"  # the gateway's retry

    async with deps.sessions() as s:
        view = await load_view(s, deps.cipher, event.event_id)
        row = await s.scalar(select(Payment).where(Payment.transaction_id == late.transaction_id))
        alerts = list(
            await s.scalars(
                select(AuditEntry.idempotency_key).where(AuditEntry.subject == OPS_ALERTS)
            )
        )
        credited = await s.scalar(
            select(AuditEntry.id).where(
                AuditEntry.subject == event.event_id, AuditEntry.action == "share.credited"
            )
        )
    assert view is not None and view.credit == Decimal("25.01")  # rounded half-up, recorded
    assert row.status == "credited" and row.note == "25.005 rounded to 25.01"
    assert f"credit:standard:{late.transaction_id}" in alerts and credited is not None
    assert balance_finding(await share_row(deps, event.event_id), deps.cipher) is None
    assert view.billed == view.amount_paid - view.credit - view.refunded + view.amount_due + (
        view.discount_granted + (view.waived_amount or 0) + view.written_off_amount
    )
    if closed == "write_off":
        assert view.written_off_amount == view.billed - PAID and view.waived_amount == 0


async def test_a_payment_in_another_currency_is_refused_and_recorded(deps):
    event = await full_record(deps)
    await _settle(deps, event, event.session_end + timedelta(days=5))
    stray = _payment("10.00", event.session_end + timedelta(days=6), currency="INR")
    assert await _pay(deps, event, stray) == "refused"
    async with deps.sessions() as s:
        row = await s.scalar(select(Payment).where(Payment.transaction_id == stray.transaction_id))
    assert row.status == "refused" and "billed in USDT" in row.note


async def test_audit_verify_finds_a_share_that_does_not_balance(deps):
    event = await full_record(deps)
    await _settle(deps, event, event.session_end + timedelta(days=5))
    row = await share_row(deps, event.event_id)
    assert balance_finding(row, deps.cipher) is None
    # A bug that credits money without counting it as paid: a paid share no longer balances.
    row.credit_enc = deps.cipher.encrypt("1.00")
    finding = balance_finding(row, deps.cipher)
    assert finding is not None and finding.kind == "share_unbalanced"
    report = await verify(deps.sessions, deps.cipher, deps.hasher)
    assert event.event_id not in {f.subject for f in report.findings}
