"""Manual UPI payment proofs: the user submits one, an admin approves or rejects it.

A proof is checked here before the workflow ever sees it (DESIGN.md's policy): its
transaction id is new across payments and proofs, it was paid within the last 30 minutes,
its amount is exactly what is due now, and the user sent at most 3 in any 15 minutes.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Literal

from fastapi import APIRouter, Depends, Request
from limits import parse
from limits.aio.strategies import MovingWindowRateLimiter
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth import require
from api.errors import ApiError
from api.signals import closed_is_409, share_client
from db import audit
from db.models import Payment, PaymentProof, Share
from db.rate_limits import PostgresStorage
from db.shares import amount_due_now
from domain.models import ProofDecision, ProofSubmitted
from domain.types import Currency, Money

router = APIRouter(tags=["payment proofs"])

SUBMISSIONS = parse("3/15 minutes")
PAID_WITHIN = timedelta(minutes=30)
CLOCK_SKEW = timedelta(minutes=1)  # the user's phone clock may run a little ahead
DECIDED = {"approve": "approved", "reject": "rejected", "request_new_proof": "new_proof_requested"}


class ProofIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    transaction_id: str = Field(min_length=4, max_length=128, pattern=r"^[A-Za-z0-9._:-]+$")
    amount: Money
    currency: Currency
    paid_at: AwareDatetime


class ProofAccepted(BaseModel):
    proof_id: str
    status: Literal["pending_review"]


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decision: Literal["approve", "reject", "request_new_proof"]
    note: str = Field(default="", max_length=2000)


class DecisionAccepted(BaseModel):
    proof_id: str
    status: str


def _limiter(request: Request) -> MovingWindowRateLimiter:
    state = request.app.state
    if not hasattr(state, "proof_limiter"):
        state.proof_limiter = MovingWindowRateLimiter(PostgresStorage(state.deps.sessions))
    return state.proof_limiter


@router.post(
    "/v1/shares/{event_id}/payment-proofs",
    status_code=202,
    response_model=ProofAccepted,
    dependencies=[Depends(require("backend"))],
)
async def submit_proof(event_id: str, body: ProofIn, request: Request) -> ProofAccepted:
    deps = request.app.state.deps
    async with deps.sessions() as s:
        share = await s.get(Share, event_id)
    if share is None:
        raise ApiError(404, f"no share for event {event_id}")
    _check(share, body, deps.cipher)

    proof_id = f"prf_{uuid.uuid4().hex[:20]}"
    now = datetime.now(UTC)
    async with deps.sessions.begin() as s:
        await audit.lock_chain(s)  # chain first, then rows: one lock order
        await _refuse_reuse(s, body.transaction_id)
        await _count_submission(request, share.user_id)
        s.add(
            PaymentProof(
                id=proof_id,
                event_id=event_id,
                user_id=share.user_id,
                transaction_id=body.transaction_id,
                amount_enc=deps.cipher.encrypt(str(body.amount)),
                currency=body.currency,
                paid_at=body.paid_at,
                status="pending_review",
            )
        )
        try:
            await s.flush()
        except IntegrityError as err:
            raise ApiError(409, "this transaction id was already used for a proof") from err
        await audit.append(
            s,
            deps.cipher,
            at=now,
            actor="backend",
            action="proof.submitted",
            subject=event_id,
            key=f"proof:{proof_id}:submitted",
            details={"proof_id": proof_id, "transaction_id": body.transaction_id},
        )
    # Committed, then told. If telling fails, the admin's decision tells it again (below).
    async with closed_is_409():
        await (await share_client(request)).submit_proof(
            event_id, ProofSubmitted(proof_id=proof_id, **body.model_dump())
        )
    return ProofAccepted(proof_id=proof_id, status="pending_review")


async def _refuse_reuse(s: AsyncSession, transaction_id: str) -> None:
    """A transaction id is unique across gateway payments and proofs (unique index too)."""
    if await s.scalar(select(Payment.id).where(Payment.transaction_id == transaction_id).limit(1)):
        raise ApiError(409, "this transaction id was already used for a payment")
    if await s.scalar(select(PaymentProof.id).where(PaymentProof.transaction_id == transaction_id)):
        raise ApiError(409, "this transaction id was already used for a proof")


async def _count_submission(request: Request, user_id: str) -> None:
    """Counts proofs that would go to an admin; a refused proof costs the user nothing."""
    limiter = _limiter(request)
    if not await limiter.hit(SUBMISSIONS, "payment-proofs", user_id):
        stats = await limiter.get_window_stats(SUBMISSIONS, "payment-proofs", user_id)
        retry = max(1, int(stats.reset_time - datetime.now(UTC).timestamp()))
        raise ApiError(
            429, f"at most {SUBMISSIONS.amount} proofs per 15 minutes; retry in {retry} s"
        )


def _check(share: Share, body: ProofIn, cipher) -> None:
    if share.status not in ("open", "disputed"):
        raise ApiError(409, f"the share is {share.status}: nothing is due")
    now = datetime.now(UTC)
    if body.paid_at > now + CLOCK_SKEW:
        raise ApiError(422, "paid_at is in the future", details=[{"field": "paid_at"}])
    if body.paid_at < now - PAID_WITHIN:
        raise ApiError(
            422,
            "paid_at is more than 30 minutes ago: proofs are taken only for fresh payments",
            details=[{"field": "paid_at"}],
        )
    billed_in = share.billing_currency or share.currency
    if body.currency.upper() != billed_in.upper():
        raise ApiError(422, f"the share is billed in {billed_in}", details=[{"field": "currency"}])
    due = amount_due_now(share, cipher, now)
    if due is None or body.amount != due:
        raise ApiError(
            422,
            f"the amount must be exactly what is due now: {due} {billed_in}",
            details=[{"field": "amount", "expected": str(due)}],
        )


@router.post(
    "/v1/admin/payment-proofs/{proof_id}/decision",
    status_code=202,
    response_model=DecisionAccepted,
)
async def decide_proof(
    proof_id: str, body: DecisionIn, request: Request, role: str = Depends(require("admin"))
) -> DecisionAccepted:
    deps = request.app.state.deps
    target = DECIDED[body.decision]
    async with deps.sessions.begin() as s:
        await audit.lock_chain(s)  # chain first, then rows: one lock order
        proof = await s.scalar(
            select(PaymentProof).where(PaymentProof.id == proof_id).with_for_update()
        )
        if proof is None:
            raise ApiError(404, f"no payment proof {proof_id}")
        if proof.status == target and proof.signalled_at is not None:
            return DecisionAccepted(proof_id=proof_id, status=target)  # a repeat: same answer
        if proof.status not in ("pending_review", target):
            raise ApiError(409, f"the proof was already decided: {proof.status}")
        now = datetime.now(UTC)
        submitted = ProofSubmitted(
            proof_id=proof_id,
            transaction_id=proof.transaction_id,
            amount=deps.cipher.decrypt_decimal(proof.amount_enc),
            currency=proof.currency,
            paid_at=proof.paid_at,
        )
        event_id = proof.event_id
        proof.status, proof.decided_by, proof.decided_at = target, role, now
        proof.note_enc = deps.cipher.encrypt(body.note) if body.note else None
        await audit.append(
            s,
            deps.cipher,
            at=now,
            actor=role,
            action=f"proof.{target}",
            subject=proof.event_id,
            key=f"proof:{proof_id}:decision",
            details={"proof_id": proof_id, "note": body.note},
        )
    # Committed, then told (a retry tells again: the workflow keeps the first of each). The
    # proof goes first in case its submission never reached the workflow.
    shares = await share_client(request)
    async with closed_is_409():
        await shares.submit_proof(event_id, submitted)
        await shares.decide_proof(
            event_id, ProofDecision(proof_id=proof_id, decision=body.decision, note=body.note)
        )
    async with deps.sessions.begin() as s:
        decided = await s.get(PaymentProof, proof_id)
        if decided is not None and decided.signalled_at is None:
            decided.signalled_at = now
    return DecisionAccepted(proof_id=proof_id, status=target)
