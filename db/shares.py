"""Reading and sealing share rows: decrypting amounts, the verification hash, the Share view."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.crypto import FieldCipher, RecordHasher
from db.models import Dispute, Payment, PaymentProof, ProfitEventRow, Share
from domain.book import Book, BookStatus, Figures, Terms
from domain.ladder import Level
from domain.models import DisputeView, PaymentView, ProofView, ShareView
from domain.money import to_minor
from domain.policy import LEGACY_DISCOUNT_RATE
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
    "discount_granted",
    "refunded",
    "written_off_amount",
    "loss_absorbed",
)
# Added by migration 0012 (money): sealed only once set, so older shares keep their seals.
SEALED_WHEN_SET = ("discount_granted", "refunded", "written_off_amount", "loss_absorbed")


def amounts(share: Share, cipher: FieldCipher) -> dict[str, Decimal | None]:
    return {name: cipher.decrypt_decimal(getattr(share, f"{name}_enc")) for name in AMOUNT_FIELDS}


def terms_of(share: Share, cipher: FieldCipher) -> Terms | None:
    """What the share charges, as fixed at day 0; None before it was recorded."""
    billed = cipher.decrypt_decimal(share.billed_amount_enc)
    if billed is None or share.discount_until is None:
        return None
    rate = share.discount_rate
    return Terms(
        billed=billed,
        currency=share.billing_currency or share.currency,
        discount_rate=Decimal(rate) if rate else LEGACY_DISCOUNT_RATE,
        discount_until=share.discount_until,
        places=share.billing_places,
    )


def book_of(share: Share, cipher: FieldCipher) -> Book | None:
    """The share's book (domain/book.py) from its row; None before it was recorded."""
    terms = terms_of(share, cipher)
    if terms is None:
        return None
    money = amounts(share, cipher)
    zero = terms.round(Decimal(0))

    def get(name: str) -> Decimal:
        return money[name] if money[name] is not None else zero  # type: ignore[return-value]

    waived, written_off = get("waived_amount"), get("written_off_amount")
    if share.closed_reason == "write_off" and money["written_off_amount"] is None:
        waived, written_off = zero, waived  # written off before 0012 kept it as waived
    book = Book(
        terms,
        status=_book_status(share),
        paid=get("amount_paid"),
        credit=get("credit"),
        refunded=get("refunded"),
        discount_granted=get("discount_granted"),
        waived=waived,
        written_off=written_off,
    )
    if money["discount_granted"] is None and book.status == "paid":
        # Settled before 0012 recorded the discount: it is what the payments left unbilled.
        book = replace(book, discount_granted=terms.billed - book.kept)
    return book


def _book_status(share: Share) -> BookStatus:
    if share.status == "waived":
        return "written_off" if share.closed_reason == "write_off" else "waived"
    if share.status == "rejected":
        return "cancelled"
    if share.status in ("open", "disputed", "paid", "no_share"):
        return share.status  # type: ignore[return-value]
    return "no_share"


def amount_due_now(
    share: Share, cipher: FieldCipher, now: datetime | None = None
) -> Decimal | None:
    """What settles the share if paid now, derived (never stored, so never stale)."""
    book = book_of(share, cipher)
    if book is None:
        return cipher.decrypt_decimal(share.amount_due_enc)
    return book.due_at(now or datetime.now(UTC))


def canonical(share: Share, cipher: FieldCipher) -> dict[str, object]:
    """Every field whose change matters, in plaintext, for the verification hash."""
    record: dict[str, object] = {
        name: str(value) if value is not None else None
        for name, value in amounts(share, cipher).items()
        if value is not None or name not in SEALED_WHEN_SET
    }
    for name in ("discount_rate", "billing_places"):
        if getattr(share, name) is not None:
            record[name] = getattr(share, name)
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


# The share with its payments, proofs and dispute in one statement (issue 20: one query per
# read). A share has a handful of each, so the joined rows (payments x proofs) stay few.
WHOLE_SHARE = (
    select(Share, Payment, PaymentProof, Dispute)
    .outerjoin(Payment, Payment.event_id == Share.event_id)
    .outerjoin(PaymentProof, PaymentProof.event_id == Share.event_id)
    .outerjoin(Dispute, Dispute.event_id == Share.event_id)
    .where(Share.event_id == bindparam("event_id"))
    .order_by(Payment.id, PaymentProof.submitted_at, PaymentProof.id)
)


async def _whole_share(
    session: AsyncSession, event_id: str
) -> tuple[Share | None, list[Payment], list[PaymentProof], Dispute | None]:
    rows = (await session.execute(WHOLE_SHARE, {"event_id": event_id})).all()
    if not rows:
        return None, [], [], None
    payments = {p.id: p for p in (row[1] for row in rows) if p is not None}
    proofs = {p.id: p for p in (row[2] for row in rows) if p is not None}
    return rows[0][0], list(payments.values()), list(proofs.values()), rows[0][3]


def _reported(amount: Decimal | None, currency: str) -> Decimal:
    """The backend's figure in the currency's places, as every amount of the Share
    (CONTRACT.md), however it was sent ("1E+3", "1000.5"). Stored as sent: verification and
    review compare the figure itself."""
    assert amount is not None  # reported_profit_enc is NOT NULL
    return to_minor(amount, currency)


async def load_view(session: AsyncSession, cipher: FieldCipher, event_id: str) -> ShareView | None:
    """The Share of CONTRACT.md, from Postgres (answers even when no worker runs)."""
    share, payments, proofs, dispute = await _whole_share(session, event_id)
    if share is None:  # received, not yet opened by its workflow: the event is all there is
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
            reported_profit=_reported(Decimal(body["reported_profit"]), body["currency"]),
            currency=body["currency"],
            created_at=event.received_at,
        )
    money = amounts(share, cipher)
    book = book_of(share, cipher)
    figures = book.figures(datetime.now(UTC)) if book else None
    verification = cipher.decrypt_json(share.verification_enc) if share.verification_enc else None
    return ShareView(
        event_id=event_id,
        workflow_id=share_workflow_id(event_id),
        user_id=share.user_id,
        status=share.status,
        enforcement_level=share.level,
        level_name=Level(share.level).label,
        reported_profit=_reported(money["reported_profit"], share.currency),
        verified_profit=money["verified_profit"],
        currency=share.currency,
        share_rate=Decimal(share.share_rate) if share.share_rate else None,
        share_amount=money["share_amount"],
        billing_currency=share.billing_currency,
        fx_rate=Decimal(share.fx_rate) if share.fx_rate else None,
        discount_until=share.discount_until,
        amount_due=figures.amount_due if figures else money["amount_due"],
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
                status=p.status,
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
        closed_reason=share.closed_reason,
        payment_link=share.payment_link_url,
        **figures_fields(figures, money),
    )


def figures_fields(figures: Figures | None, stored: dict[str, Decimal | None]) -> dict[str, Any]:
    """The Share's balancing figures (CONTRACT.md) from its book once it was recorded, every
    one a number (a credit never given is 0.00, not missing, so the sum can be checked);
    before that, what is stored."""
    if figures is None:
        return {name: stored[name] for name in ("amount_paid", "credit", "waived_amount")}
    return {
        "billed": figures.billed,
        "amount_paid": figures.amount_paid,
        "credit": figures.credit,
        "waived_amount": figures.waived_amount,
        "discount_granted": figures.discount_granted,
        "refunded": figures.refunded,
        "written_off_amount": figures.written_off_amount,
    }
