"""Payment proofs and payments: the pending proofs (oldest first) with what their checks
found and the amount that was due at `paid_at`; approve, reject, request a new proof (with
the message the user gets), flag a payment, block the user: the brief's buttons."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select

from api.audited import acting
from api.console import screenshots
from api.console.render import act, page
from api.console.session import operator, posted
from api.deps import app_deps
from api.routes.payment_flags import FlagIn, flag_payment
from api.routes.proofs import PAID_WITHIN, DecisionIn, decide_proof
from db.models import Payment, PaymentProof, Share
from db.shares import amount_due_now
from domain.models import OWED_STATUSES

router = APIRouter()
PAGE_SIZE = 50
DONE = {"approve": "approved", "reject": "rejected", "request_new_proof": "new proof requested"}


@router.get("/admin/proofs")
async def proofs(request: Request) -> Response:
    who = await operator(request)
    deps = request.app.state.deps
    async with deps.sessions() as s:
        pending = list(
            await s.execute(
                select(PaymentProof, Share)
                .join(Share, Share.event_id == PaymentProof.event_id)
                .where(PaymentProof.status == "pending_review")
                .order_by(PaymentProof.submitted_at)
                .limit(PAGE_SIZE)
            )
        )
        payments = list(
            await s.scalars(select(Payment).order_by(Payment.id.desc()).limit(PAGE_SIZE))
        )
    rows = [_pending(proof, share, deps.cipher) for proof, share in pending]
    paid = [
        {
            "provider": p.provider,
            "transaction_id": p.transaction_id,
            "event_id": p.event_id,
            "amount": deps.cipher.decrypt(p.amount_enc),
            "currency": p.currency,
            "paid_at": p.paid_at,
            "status": p.status,
            "flagged_at": p.flagged_at,
            "flag_note": p.flag_note,
        }
        for p in payments
    ]
    return page(request, who, "proofs.html", pending=rows, payments=paid)


def _pending(proof: PaymentProof, share: Share, cipher) -> dict:
    claimed = cipher.decrypt(proof.amount_enc)
    expected = amount_due_now(share, cipher, proof.paid_at)
    return {
        "proof_id": proof.id,
        "event_id": proof.event_id,
        "user_id": proof.user_id,
        "transaction_id": proof.transaction_id,
        "amount": claimed,
        "currency": proof.currency,
        "paid_at": proof.paid_at,
        "submitted_at": proof.submitted_at,
        "expected": expected,
        "checks": {
            # The submission refused every proof failing these; shown so the admin sees why
            # it is here, and whether the share changed since (another payment, a waiver).
            "amount matches what was due at paid_at": expected is not None
            and str(expected) == claimed,
            "share still owes": share.status in OWED_STATUSES,
            "paid within 30 minutes of submission": proof.submitted_at - proof.paid_at
            <= PAID_WITHIN,
        },
        "screenshot": screenshots.available(proof),
    }


@router.post("/admin/proofs/{proof_id}/decision")
async def decide(proof_id: str, request: Request) -> Response:
    _, form = await posted(request, "admin")
    decision = form.get("decision", "")

    async def run() -> None:
        body = DecisionIn(decision=decision, note=form.get("note", ""))  # type: ignore[arg-type]
        await decide_proof(proof_id, body, request, app_deps(request))

    return await act(request, "/admin/proofs", run, f"{proof_id}: {DONE.get(decision, '')}")


@router.post("/admin/payments/{provider}/{transaction_id}/flag")
async def flag(provider: str, transaction_id: str, request: Request) -> Response:
    _, form = await posted(request, "admin")

    async def run() -> None:
        body = FlagIn(note=form.get("note", ""))
        await flag_payment(provider, transaction_id, body, acting(request))

    return await act(request, "/admin/proofs", run, f"{provider}:{transaction_id}: flagged")
