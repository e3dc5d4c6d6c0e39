"""Reading and sealing share rows: decrypting amounts, the verification hash, the Share view."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.crypto import FieldCipher, RecordHasher
from db.models import Dispute, Payment, PaymentProof, ProfitEventRow, Share
from domain.ladder import Level
from domain.models import DisputeView, PaymentView, ProofView, ShareView
from domain.policy import DEFAULT_SHARE_POLICY
from domain.settlement import Bill
from workflows.ids import share_workflow_id

AMOUNT_FIELDS = (
    "reported_profit",
    "verified_profit",
    "share_amount",
    "billed_amount",
    "amount_paid",
    "amount_due",
    "credit",
    "waived_amount",
)


def amounts(share: Share, cipher: FieldCipher) -> dict[str, Decimal | None]:
    return {name: cipher.decrypt_decimal(getattr(share, f"{name}_enc")) for name in AMOUNT_FIELDS}


def amount_due_now(
    share: Share, cipher: FieldCipher, now: datetime | None = None
) -> Decimal | None:
    """What settles the share if paid now: the early discount counts until it lapses."""
    stored = cipher.decrypt_decimal(share.amount_due_enc)
    billed = cipher.decrypt_decimal(share.billed_amount_enc)
    if share.status not in ("open", "disputed") or billed is None or share.discount_until is None:
        return stored
    bill = Bill(
        billed=billed,
        currency=share.billing_currency or share.currency,
        discount_rate=DEFAULT_SHARE_POLICY.early_discount,
        discount_until=share.discount_until,
    )
    paid = cipher.decrypt_decimal(share.amount_paid_enc) or Decimal(0)
    return bill.due_at(paid, now or datetime.now(UTC))


def canonical(share: Share, cipher: FieldCipher) -> dict[str, object]:
    """Every field whose change matters, in plaintext, for the verification hash."""
    record: dict[str, object] = {
        name: str(value) if value is not None else None
        for name, value in amounts(share, cipher).items()
    }
    for name in (
        "event_id",
        "user_id",
        "status",
        "level",
        "currency",
        "billing_currency",
        "share_rate",
        "fx_rate",
        "payment_reference",
    ):
        record[name] = getattr(share, name)
    for name in ("recorded_at", "discount_until", "due_at"):
        value = getattr(share, name)
        record[name] = value.isoformat() if value else None
    return record


def seal(share: Share, cipher: FieldCipher, hasher: RecordHasher) -> None:
    share.verification_hash = hasher.digest(canonical(share, cipher))


def set_amounts(share: Share, cipher: FieldCipher, **values: Decimal | None) -> None:
    for name, value in values.items():
        if name not in AMOUNT_FIELDS:
            raise KeyError(name)
        setattr(share, f"{name}_enc", cipher.encrypt_decimal(value))


async def load_view(session: AsyncSession, cipher: FieldCipher, event_id: str) -> ShareView | None:
    """The Share of CONTRACT.md, from Postgres (answers even when no worker runs)."""
    share = await session.get(Share, event_id)
    if share is None:
        event = await session.get(ProfitEventRow, event_id)
        if event is None:
            return None
        body = json.loads(cipher.decrypt(event.body_enc))
        return ShareView(
            event_id=event_id,
            workflow_id=share_workflow_id(event_id),
            user_id=event.user_id,
            status="received",
            enforcement_level=0,
            level_name="none",
            reported_profit=body["reported_profit"],
            currency=body["currency"],
            created_at=event.received_at,
        )
    payments = await session.scalars(
        select(Payment).where(Payment.event_id == event_id).order_by(Payment.id)
    )
    proofs = await session.scalars(
        select(PaymentProof)
        .where(PaymentProof.event_id == event_id)
        .order_by(PaymentProof.submitted_at)
    )
    dispute = await session.get(Dispute, event_id)
    money = amounts(share, cipher)
    verification = cipher.decrypt_json(share.verification_enc) if share.verification_enc else None
    return ShareView(
        event_id=event_id,
        workflow_id=share_workflow_id(event_id),
        user_id=share.user_id,
        status=share.status,
        enforcement_level=share.level,
        level_name=Level(share.level).label,
        reported_profit=money["reported_profit"],
        verified_profit=money["verified_profit"],
        currency=share.currency,
        share_rate=Decimal(share.share_rate) if share.share_rate else None,
        share_amount=money["share_amount"],
        billing_currency=share.billing_currency,
        fx_rate=Decimal(share.fx_rate) if share.fx_rate else None,
        discount_until=share.discount_until,
        amount_due=amount_due_now(share, cipher),
        amount_paid=money["amount_paid"],
        credit=money["credit"],
        due_at=share.due_at,
        payment_reference=share.payment_reference,
        verification=verification if isinstance(verification, dict) else None,
        review_reasons=json.loads(share.review_reasons) if share.review_reasons else [],
        payments=[
            PaymentView(
                provider=p.provider,
                transaction_id=p.transaction_id,
                amount=cipher.decrypt(p.amount_enc),
                currency=p.currency,
                paid_at=p.paid_at,
                applied=p.status == "applied",
                note=p.note or "",
            )
            for p in payments
        ],
        created_at=share.created_at,
        proofs=[
            ProofView(
                proof_id=p.id,
                transaction_id=p.transaction_id,
                amount=cipher.decrypt(p.amount_enc),
                currency=p.currency,
                paid_at=p.paid_at,
                status=p.status,
            )
            for p in proofs
        ],
        dispute=DisputeView(
            reason=cipher.decrypt(dispute.reason_enc),
            opened_at=dispute.opened_at,
            outcome=dispute.outcome,
            resolved_at=dispute.resolved_at,
        )
        if dispute
        else None,
        waived_amount=money["waived_amount"],
        closed_reason=share.closed_reason,
        payment_link=share.payment_link_url,
    )
