"""POST /codec/encode, /codec/decode: the Temporal codec-server protocol, for the Temporal UI.

Bodies are a `Payloads` proto in protobuf JSON (base64 data and metadata), read and written with
`google.protobuf.json_format` as the protocol requires; bad JSON and codec errors answer 400.
Decoding shows operators plaintext, so it needs the ops role (admin implies it).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

import structlog
from fastapi import APIRouter, Depends, FastAPI, Request, Response
from google.protobuf import json_format
from starlette.middleware.cors import CORSMiddleware
from temporalio.api.common.v1 import Payload, Payloads

from api.auth import require
from api.errors import ApiError
from workers.codec import CodecError

log = structlog.get_logger()

LOOPBACK = {"127.0.0.1", "::1"}
_require_ops = require("ops")


async def codec_access(request: Request) -> str:
    """The ops role; or, on a dev stack that opted in, the local Temporal UI on loopback.

    The dev server's UI has no login, so it can send no token: `profitshare dev` sets
    CODEC_TRUST_LOCAL_UI, and only a browser on this machine showing that UI is let in.
    """
    settings = request.app.state.settings
    origin = request.headers.get("origin")
    if (settings.codec_trust_local_ui and request.client is not None
            and request.client.host in LOOPBACK
            and origin == f"http://localhost:{settings.temporal_ui_port}"):
        return "ops"
    return await _require_ops(request)


router = APIRouter(prefix="/codec", tags=["codec"], dependencies=[Depends(codec_access)])

Apply = Callable[[Sequence[Payload]], Awaitable[list[Payload]]]


async def _apply(request: Request, name: str, fn: Apply) -> Response:
    try:
        payloads = json_format.Parse(await request.body(), Payloads())
    except (json_format.ParseError, UnicodeDecodeError) as err:
        raise ApiError(400, f"the body is not a Payloads protobuf JSON: {err}") from None
    try:
        result = Payloads(payloads=await fn(payloads.payloads))
    except CodecError as err:
        raise ApiError(400, str(err)) from None
    # An audit trail of who-could-see-what: counts and namespace, never the payloads.
    log.info(f"codec.{name}", payloads=len(payloads.payloads),
             namespace=request.headers.get("x-namespace"))
    return Response(json_format.MessageToJson(result), media_type="application/json")


@router.post("/encode")
async def encode(request: Request) -> Response:
    return await _apply(request, "encode", request.app.state.codec.encode)


@router.post("/decode")
async def decode(request: Request) -> Response:
    return await _apply(request, "decode", request.app.state.codec.decode)


def codec_cors(app: FastAPI, ui_origin: str) -> None:
    """Lets the Temporal UI at `ui_origin` (only) call the codec endpoints from the browser.

    The middleware is app-wide, but every other route still needs its own bearer token.
    """
    app.add_middleware(CORSMiddleware, allow_origins=[ui_origin],
                       allow_methods=["POST", "OPTIONS"],
                       allow_headers=["authorization", "content-type", "x-namespace"],
                       allow_credentials=True)
