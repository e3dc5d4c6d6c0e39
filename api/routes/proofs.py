"""Manual UPI payment proofs: the user submits one, an admin approves or rejects it.

A proof is checked here before the workflow ever sees it (DESIGN.md's policy): its
transaction id is new across payments and proofs, it was paid within the last 30 minutes,
its amount is exactly what was due at its paid_at, and the user sent at most 3 in any 15 minutes.
"""

from __future__ import annotations

import uuid
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from limits import parse
from limits.aio.strategies import MovingWindowRateLimiter
from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from api.audited import acting
from api.auth import require
from api.deps import AppDeps
from api.errors import ApiError
from api.proof_upload import openapi_body, read_submission
from api.signals import share_client
from api.webhook_payments import keep_if_closed
from db import proof_review, utr_claims
from db.models import PaymentProof, Share
from db.rate_limits import PostgresStorage
from db.shares import amount_due_now
from domain.models import OWED_STATUSES, ProofDecision, ProofSubmitted
from domain.money import format_money
from domain.proof_checks import Check
from domain.risk.facts import IpText
from domain.types import Currency, Identifier, Money, Text
from domain.upi import UPI_PROOF, normalise_utr
from runtime.deps import Deps
from workflows.share_client import ShareClosed

router = APIRouter(tags=["payment proofs"])

SUBMISSIONS = parse("3/15 minutes")
PAID_WITHIN = timedelta(minutes=30)
CLOCK_SKEW = timedelta(minutes=1)  # the user's phone clock may run a little ahead
DECIDED = {"approve": "approved", "reject": "rejected", "request_new_proof": "new_proof_requested"}


def _utr(value: str) -> str:
    return normalise_utr(value)  # ValueError: a 422 naming transaction_id


class ProofIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # The UTR, normalised before the uniqueness check ("4123 4567 8901." is 412345678901).
    transaction_id: Annotated[
        str,
        Field(min_length=4, max_length=128, pattern=r"^[A-Za-z0-9._:\- ]+$"),
        AfterValidator(_utr),
    ]
    amount: Money
    currency: Currency
    paid_at: AwareDatetime
    # The submitter, when the backend knows it: kept under the user's data key, and the
    # proof is assessed by the risk service like any other action.
    ip: IpText | None = None
    device_fingerprint: Text | None = Field(default=None, min_length=1, max_length=256)


class ProofAccepted(BaseModel):
    proof_id: str
    status: Literal["pending_review"]
    # What the checks found; a "flag" asks the admin to look closer, it never refuses.
    checks: list[Check] = []


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decision: Literal["approve", "reject", "request_new_proof"]
    note: Text = Field(default="", max_length=2000)


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
    dependencies=[Depends(require("backend"))],
    openapi_extra=openapi_body(ProofIn),
)
async def submit_proof(event_id: Identifier, request: Request, deps: AppDeps) -> ProofAccepted:
    body, screenshot = await read_submission(request, ProofIn)
    async with deps.sessions() as s:
        share = await s.get(Share, event_id)
    if share is None:
        raise ApiError(404, f"no share for event {event_id}")
    _check(share, body, deps.cipher)

    proof_id = f"prf_{uuid.uuid4().hex[:20]}"
    now = datetime.now(UTC)
    screened = await proof_review.screen(
        request.app.state.risk, share.user_id, body, screenshot, now=now
    )
    async with acting(request).audited(share.user_id) as a:
        s = a.session
        await _refuse_reuse(s, body.transaction_id)
        await _count_submission(request, share.user_id)
        s.add(
            PaymentProof(
                id=proof_id,
                event_id=event_id,
                user_id=share.user_id,
                transaction_id=body.transaction_id,
                amount_enc=deps.cipher.encrypt(format_money(body.amount)),
                currency=body.currency,
                paid_at=body.paid_at,
                status="pending_review",
                **await proof_review.stored_fields(s, deps, share.user_id, screened),
            )
        )
        try:
            await s.flush()
        except IntegrityError as err:
            raise ApiError(409, "this transaction id was already used for a proof") from err
        await a.record(
            "proof.submitted",
            subject=event_id,
            key=f"proof:{proof_id}:submitted",
            details={
                "proof_id": proof_id,
                "transaction_id": body.transaction_id,
                "flags": [c.check for c in screened.checks if c.result == "flag"],
            },
            at=now,
        )
    # Committed, then told. If telling fails, the admin's decision tells it again (below).
    # A workflow that has completed (its share handed to collections, or paid meanwhile)
    # hears nothing: the proof waits in the admin's queue all the same.
    with suppress(ShareClosed):
        await (await share_client(request)).submit_proof(
            event_id,
            ProofSubmitted(
                proof_id=proof_id,
                **body.model_dump(include={"transaction_id", "amount", "currency", "paid_at"}),
            ),
        )
    return ProofAccepted(proof_id=proof_id, status="pending_review", checks=screened.checks)


async def _refuse_reuse(s: AsyncSession, transaction_id: str) -> None:
    """A transaction id is unique across gateway payments and proofs (unique index too)."""
    if await utr_claims.payment_carrying(s, transaction_id):
        raise ApiError(409, "this transaction id was already used for a payment")
    if await s.scalar(select(PaymentProof.id).where(PaymentProof.transaction_id == transaction_id)):
        raise ApiError(409, "this transaction id was already used for a proof")


async def _refuse_paid_elsewhere(s: AsyncSession, transaction_id: str) -> None:
    """The other direction of the same rule: a gateway payment that arrived while the proof
    waited, carrying its UTR, already counted that money (the proof stays pending; reject it)."""
    provider = await utr_claims.payment_carrying(s, transaction_id, gateways_only=True)
    if provider is not None:
        raise ApiError(409, f"this transaction id was already paid through {provider}")


async def _count_submission(request: Request, user_id: str) -> None:
    """Counts proofs that would go to an admin; a refused proof costs the user nothing."""
    limiter = _limiter(request)
    if not await limiter.hit(SUBMISSIONS, "payment-proofs", user_id):
        stats = await limiter.get_window_stats(SUBMISSIONS, "payment-proofs", user_id)
        retry = max(1, int(stats.reset_time - datetime.now(UTC).timestamp()))
        raise ApiError(
            429, f"at most {SUBMISSIONS.amount} proofs per 15 minutes; retry in {retry} s"
        )


def _text(amount: Decimal | None) -> str:
    return format_money(amount) if amount is not None else "nothing"


def _check(share: Share, body: ProofIn, cipher) -> None:
    if share.status not in OWED_STATUSES:
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
    # Judged at the payment's own time: paid inside the discount window, the discount counts
    # even when the proof arrives after the window closed.
    due = amount_due_now(share, cipher, body.paid_at)
    if due is None or body.amount != due:
        raise ApiError(
            422,
            f"the amount must be exactly what was due at paid_at: {_text(due)} {billed_in}",
            details=[
                {"field": "amount", "expected": format_money(due) if due is not None else None}
            ],
        )


@router.post(
    "/v1/admin/payment-proofs/{proof_id}/decision",
    status_code=202,
    dependencies=[Depends(require("admin"))],
)
async def decide_proof(
    proof_id: Identifier,
    body: DecisionIn,
    request: Request,
    deps: AppDeps,
) -> DecisionAccepted:
    target = DECIDED[body.decision]
    async with deps.sessions() as s:  # a proof's user never changes: read it unlocked
        user_id = await s.scalar(select(PaymentProof.user_id).where(PaymentProof.id == proof_id))
    if user_id is None:
        raise ApiError(404, f"no payment proof {proof_id}")
    act = acting(request)
    async with act.audited(user_id) as a:
        proof = await a.locked(select(PaymentProof).where(PaymentProof.id == proof_id))
        if proof.status == target and proof.signalled_at is not None:
            return DecisionAccepted(proof_id=proof_id, status=target)  # a repeat: same answer
        if proof.status not in ("pending_review", target):
            raise ApiError(409, f"the proof was already decided: {proof.status}")
        if body.decision == "approve":
            await _refuse_paid_elsewhere(a.session, proof.transaction_id)
        now = datetime.now(UTC)
        submitted = ProofSubmitted(
            proof_id=proof_id,
            transaction_id=proof.transaction_id,
            amount=deps.cipher.decrypt_decimal(proof.amount_enc),
            currency=proof.currency,
            paid_at=proof.paid_at,
        )
        event_id = proof.event_id
        proof.status, proof.decided_at = target, now
        proof.decided_by = act.actor.render()[: PaymentProof.decided_by.type.length]
        proof.note_enc = deps.cipher.encrypt(body.note) if body.note else None
        await a.record(
            f"proof.{target}",
            subject=proof.event_id,
            key=f"proof:{proof_id}:decision",
            details={"proof_id": proof_id, "note": body.note},
            at=now,
        )
    # Committed, then told (a retry tells again: the workflow keeps the first of each). The
    # proof goes first in case its submission never reached the workflow.
    shares = await share_client(request)
    try:
        await shares.submit_proof(event_id, submitted)
        await shares.decide_proof(
            event_id, ProofDecision(proof_id=proof_id, decision=body.decision, note=body.note)
        )
    except ShareClosed:
        if body.decision == "approve":
            await _paid_after_close(request, deps, proof_id, now)
    async with deps.sessions.begin() as s:
        decided = await s.get(PaymentProof, proof_id)
        if decided is not None and decided.signalled_at is None:
            decided.signalled_at = now
    return DecisionAccepted(proof_id=proof_id, status=target)


async def _paid_after_close(request: Request, deps: Deps, proof_id: str, now: datetime) -> None:
    """The share's workflow has completed, so the approved proof is no message to it: it
    becomes its payment row here, as a late gateway payment does. A share that owes nothing
    (paid meanwhile) keeps it as credit at once; a share in collections has it applied to
    its debt by the payment reconciler, which takes every row left `received`."""
    async with deps.sessions.begin() as s:
        proof = await s.get_one(PaymentProof, proof_id)
        reference = await s.scalar(
            select(Share.payment_reference).where(Share.event_id == proof.event_id)
        )
        await proof_review.record_as_payment(s, deps.hasher, deps.cipher, proof, reference)
    await keep_if_closed(request.app.state, UPI_PROOF, proof.transaction_id, proof.event_id, now)
