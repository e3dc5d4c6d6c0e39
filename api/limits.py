"""Request body size limit, enforced before a handler reads the body (413)."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_response

MAX_BODY_BYTES = 64 * 1024
# The Temporal UI decodes whole histories' payloads in one request.
LARGE_BODY_PATHS = {"/codec/encode": 4 * 1024 * 1024, "/codec/decode": 4 * 1024 * 1024}
# A payment proof may carry a 5 MiB screenshot (refused past that with 413 by api/screenshots)
# plus its few fields and the multipart framing. Sent as JSON it has no screenshot: the
# usual limit.
PROOF_BODY_BYTES = 5 * 1024 * 1024 + 64 * 1024


def limit_for(path: str, default: int, content_type: bytes = b"") -> int:
    if path in LARGE_BODY_PATHS:
        return LARGE_BODY_PATHS[path]
    multipart = content_type.split(b";")[0].strip().lower() == b"multipart/form-data"
    if multipart and path.startswith("/v1/shares/") and path.endswith("/payment-proofs"):
        return PROOF_BODY_BYTES
    return default


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        limit = limit_for(scope.get("path", ""), self.max_bytes, headers.get(b"content-type", b""))
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, receive, send, limit)
            return
        received = 0
        passed = started = replaced = False

        async def limited() -> Message:
            nonlocal received, passed
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    passed = True
                    raise _TooLarge  # the read stops here: memory stays bounded
            return message

        async def answer(message: Message) -> None:
            # FastAPI reads a JSON model's body inside its own `except Exception`, which turns
            # _TooLarge into a 400 it answers itself: once the limit was passed, whatever the
            # app answers is replaced by the 413 (the handler never ran: nothing was written).
            nonlocal started, replaced
            if message["type"] == "http.response.start":
                if passed and not started:
                    started = replaced = True
                    await self._refuse(scope, receive, send, limit)
                    return
                started = True
            if not replaced:
                await send(message)

        try:
            await self.app(scope, limited, answer)
        except _TooLarge:
            if not started:
                await self._refuse(scope, receive, send, limit)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = error_response(413, f"the body exceeds {limit} bytes")
        await response(scope, receive, send)


class _TooLarge(Exception):
    pass
