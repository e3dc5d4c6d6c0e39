"""A payment proof's screenshot, served to a signed-in operator only.

HOOK (merge): the screenshot store is being added beside this console. When it lands, make
`available` say whether a proof has one and `load` return its decrypted bytes and media type
from that store; the proofs page then shows the image in the slot it already has.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.console.session import operator
from api.errors import ApiError
from db.models import PaymentProof

router = APIRouter()


def available(proof: PaymentProof) -> bool:
    return False  # no screenshot store yet (see the module's HOOK)


async def load(request: Request, proof: PaymentProof) -> tuple[bytes, str] | None:
    return None  # no screenshot store yet (see the module's HOOK)


@router.get("/admin/proofs/{proof_id}/screenshot")
async def screenshot(proof_id: str, request: Request) -> Response:
    await operator(request)
    async with request.app.state.deps.sessions() as s:
        proof = await s.get(PaymentProof, proof_id)
    found = await load(request, proof) if proof is not None else None
    if found is None:
        raise ApiError(404, f"no screenshot for proof {proof_id}")
    content, media_type = found
    # Never cached, never sniffed (SecurityHeaders), and shown only inline as an image.
    return Response(content, media_type=media_type)
