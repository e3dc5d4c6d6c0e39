"""Payment proofs for review: what their checks found, the admin's queue, flagging one.

Service functions the JSON routes (api/routes/proofs.py, proof_queue.py) and the admin
console call alike; none of them knows about HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from db import user_keys
from db.crypto import FieldCipher, RecordHasher
from db.models import Payment, PaymentProof, Share
from db.seals import sealed_values
from db.shares import amount_due_now
from domain.proof_checks import Check, Screenshot, no_screenshot, screenshot_checks
from domain.risk.decision import RiskDecision, RiskRequest
from domain.types import Money
from domain.upi import UPI_PROOF

if TYPE_CHECKING:
    from db.audited import Audit

QUEUE_STATUSES = {"pending": "pending_review"}


class Assesses(Protocol):
    async def assess(self, request: RiskRequest, *, key: str | None = None) -> RiskDecision: ...


class Submitted(Protocol):
    paid_at: datetime
    ip: str | None
    device_fingerprint: str | None


@dataclass(frozen=True)
class Screened:
    checks: list[Check]
    screenshot: Screenshot | None
    ip: str | None
    decision: RiskDecision


async def screen(
    risk: Assesses, user_id: str, body: Submitted, shot: Screenshot | None, *, now: datetime
) -> Screened:
    """Every check of a proof: the screenshot's EXIF (or its absence) and a risk decision."""
    checks = (
        screenshot_checks(shot.captured_at, shot.software, paid_at=body.paid_at, submitted_at=now)
        if shot is not None
        else [no_screenshot()]
    )
    decision = await risk.assess(
        RiskRequest(
            user_id=user_id,
            action="payment_proof",
            ip=body.ip,
            device_fingerprint=body.device_fingerprint,
        )
    )
    rules = ", ".join(reason.rule for reason in decision.reasons) or "no rule fired"
    checks.append(
        Check(
            check="risk",
            result="pass" if decision.decision == "allow" else "flag",
            detail=f"{decision.decision}, score {decision.score} ({rules})",
        )
    )
    return Screened(checks, shot, body.ip, decision)


async def stored_fields(
    session: AsyncSession, deps: Any, user_id: str, screened: Screened
) -> dict[str, Any]:
    """PaymentProof columns for what `screen` found; personal data under the user's key."""
    fields: dict[str, Any] = {
        "checks": [check.model_dump() for check in screened.checks],
        "risk_decision_id": screened.decision.decision_id,
    }
    if screened.screenshot is None and screened.ip is None:
        return fields
    try:
        mine = await user_keys.for_user(session, deps.cipher, user_id)
    except user_keys.UserErased:
        return fields  # nothing personal is kept for an erased user again
    if screened.screenshot is not None:
        fields["screenshot_enc"] = mine.encrypt_bytes(screened.screenshot.data)
        fields["screenshot_type"] = screened.screenshot.image_type
    fields["ip_enc"] = mine.encrypt(screened.ip)
    return fields


@dataclass(frozen=True)
class QueuedProof:
    """A proof as the queue shows it; the JSON route answers with it as is (Money: strings)."""

    proof_id: str
    event_id: str
    user_id: str
    transaction_id: str
    amount: Money
    currency: str
    paid_at: datetime
    submitted_at: datetime
    status: str
    checks: list[Check]
    flagged: bool
    flag_note: str | None
    has_screenshot: bool
    # What the share asked for at paid_at (the early discount counts until it lapsed).
    expected_amount: Money | None


async def queue(
    session: AsyncSession, cipher: FieldCipher, *, status: str = "pending", limit: int = 100
) -> list[QueuedProof]:
    """Proofs in `status` (pending: waiting for an admin), oldest first."""
    wanted = QUEUE_STATUSES.get(status, status)
    rows = await session.execute(
        select(PaymentProof, Share)
        .join(Share, Share.event_id == PaymentProof.event_id)
        .where(PaymentProof.status == wanted)
        .order_by(PaymentProof.submitted_at, PaymentProof.id)
        .limit(limit)
    )
    return [_queued(proof, share, cipher) for proof, share in rows.tuples()]


def _queued(proof: PaymentProof, share: Share, cipher: FieldCipher) -> QueuedProof:
    checks = [Check.model_validate(c) for c in proof.checks or []]
    return QueuedProof(
        proof_id=proof.id,
        event_id=proof.event_id,
        user_id=proof.user_id,
        transaction_id=proof.transaction_id,
        amount=Decimal(cipher.decrypt(proof.amount_enc)),
        currency=proof.currency,
        paid_at=proof.paid_at,
        submitted_at=proof.submitted_at,
        status=proof.status,
        checks=checks,
        flagged=proof.flagged_at is not None or any(c.result == "flag" for c in checks),
        flag_note=proof.flag_note,
        has_screenshot=proof.screenshot_enc is not None,
        expected_amount=amount_due_now(share, cipher, proof.paid_at),
    )


class NotPending(Exception):
    pass


async def user_of(session: AsyncSession, proof_id: str) -> str | None:
    """The proof's user (the partition of its audited changes); a proof's user never
    changes, so it is read unlocked, before the chain is taken."""
    return await session.scalar(select(PaymentProof.user_id).where(PaymentProof.id == proof_id))


async def flag(a: Audit, proof_id: str, *, note: str, at: datetime) -> PaymentProof | None:
    """Flags a pending proof for a closer look in the audited change `a` (the proof's user's
    partition); None if there is no such proof.

    Raises:
        NotPending: the proof was already decided.
    """
    proof = await a.locked(select(PaymentProof).where(PaymentProof.id == proof_id))
    if proof is None:
        return None
    if proof.status != "pending_review":
        raise NotPending(proof.status)
    proof.flagged_at, proof.flag_note = at, note
    checks = list(proof.checks or [])
    checks.append(
        Check(check="ops_flag", result="flag", detail=note or "flagged by ops").model_dump()
    )
    proof.checks = checks
    await a.record(
        "proof.flagged",
        at=at,
        subject=proof.event_id,
        key=f"proof:{proof_id}:flagged:{at.isoformat()}",
        details={"proof_id": proof_id, "note": note},
    )
    return proof


async def screenshot(
    session: AsyncSession, cipher: FieldCipher, proof_id: str
) -> tuple[bytes, str] | None:
    """The proof's re-encoded screenshot and its type (png, jpeg); None when there is none,
    it was swept by retention, or its user was erased (their key is gone)."""
    proof = await session.get(PaymentProof, proof_id)
    if proof is None or proof.screenshot_enc is None or proof.screenshot_type is None:
        return None
    mine = await user_keys.existing(session, cipher, proof.user_id)
    if mine is None:
        return None
    return mine.decrypt_bytes(proof.screenshot_enc), proof.screenshot_type


async def record_as_payment(
    s: AsyncSession,
    hasher: RecordHasher,
    cipher: FieldCipher,
    proof: PaymentProof,
    reference: str | None,
) -> None:
    """The payment row an approved proof stands for (`received`: applying it is the ledger's
    job), once: its UTR is its transaction id, unique per provider."""
    await s.execute(
        insert(Payment)
        .values(
            **sealed_values(
                Payment,
                hasher,
                cipher,
                provider=UPI_PROOF,
                transaction_id=proof.transaction_id,
                event_id=proof.event_id,
                payment_reference=reference,
                amount_enc=proof.amount_enc,
                currency=proof.currency,
                paid_at=proof.paid_at,
                status="received",
            )
        )
        .on_conflict_do_nothing(constraint="uq_payment_txn")
    )
