"""One share: status, amounts with the ledger invariant's parts, its audit timeline (who did
what), payments and proofs, a link to its workflow in the Temporal UI; waive, write off,
resolve a dispute, refund credit."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.audited import acting
from api.console.render import act, admin_url, audit_timeline, page
from api.console.session import Refused, operator, posted
from api.errors import ApiError
from api.routes.disputes import resolve_dispute
from api.routes.waivers import waive_share
from db.shares import load_view
from domain.models import DisputeResolution, Waiver

router = APIRouter()
# The invariant, to the cent: billed = amount_paid - credit - refunded + amount_due +
# discount_granted + waived_amount + written_off_amount. Shown as far as the Share has them.
LEDGER_PARTS = (
    "billed",
    "amount_paid",
    "credit",
    "refunded",
    "amount_due",
    "discount_granted",
    "waived_amount",
    "written_off_amount",
)
TIMELINE_LIMIT = 200


@router.get("/admin/shares/{event_id}")
async def share(event_id: str, request: Request) -> Response:
    who = await operator(request)
    deps = request.app.state.deps
    async with deps.sessions() as s:
        view = await load_view(s, deps.cipher, event_id)
        if view is None:
            raise Refused(404, f"no share for event {event_id}")
        timeline = await audit_timeline(s, deps.cipher, event_id, TIMELINE_LIMIT)
    settings = request.app.state.settings
    workflow = (
        f"{settings.ui_origin}/namespaces/{quote(settings.temporal_namespace)}"
        f"/workflows/{quote(view.workflow_id, safe='')}"
    )
    ledger = [(name, getattr(view, name, None)) for name in LEDGER_PARTS]
    return page(
        request,
        who,
        "share.html",
        share=view,
        ledger=[(n, v) for n, v in ledger if v is not None],
        timeline=timeline,
        workflow_url=workflow,
        refund_available=False,  # HOOK: see `refund` below
    )


@router.post("/admin/shares/{event_id}/waive")
async def waive(event_id: str, request: Request) -> Response:
    _, form = await posted(request, "admin")
    kind = form.get("kind", "waive")

    async def run() -> None:
        body = Waiver(kind=kind, note=form.get("note", ""))  # type: ignore[arg-type]
        await waive_share(event_id, body, request, acting(request))

    done = "write-off requested" if kind == "write_off" else "waiver requested"
    return await act(request, admin_url("shares", event_id), run, done)


@router.post("/admin/shares/{event_id}/dispute-resolution")
async def resolve(event_id: str, request: Request) -> Response:
    _, form = await posted(request, "admin")

    async def run() -> None:
        body = DisputeResolution(
            outcome=form.get("outcome", ""),  # type: ignore[arg-type]
            verified_profit=form.get("verified_profit") or None,
            note=form.get("note", ""),
        )
        await resolve_dispute(event_id, body, request, acting(request))

    return await act(request, admin_url("shares", event_id), run, "dispute resolution sent")


@router.post("/admin/shares/{event_id}/refund")
async def refund(event_id: str, request: Request) -> Response:
    """HOOK (merge): POST /v1/admin/shares/{event_id}/refund is being built beside this
    console. When it lands, call its function here as `waive` does (amount, note and an
    Idempotency-Key from the form) and set `refund_available` above to True."""
    await posted(request, "admin")

    async def run() -> None:
        raise ApiError(501, "refunds are not available in this build yet")

    return await act(request, admin_url("shares", event_id), run, "")
