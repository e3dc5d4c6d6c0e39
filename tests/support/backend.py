"""A backend as the issue expects one, served locally: it verifies each standing webhook's
signature and acts on each webhook-id once, and can be told to fail or be slow."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI, Request, Response
from standardwebhooks import Webhook

BACKEND_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


class Backend:
    """A backend as the issue expects one: verifies the signature, drops repeated ids."""

    def __init__(self) -> None:
        self.fail_next = 0
        self.delay = 0.0
        self.requests: list[str] = []  # every webhook-id that arrived, failures included
        self.processed: list[dict] = []  # what the backend acted on, in order
        self.app = FastAPI()
        self.app.post("/standing")(self.receive)

    async def receive(self, request: Request) -> Response:
        body = await request.body()
        payload = Webhook(BACKEND_SECRET).verify(body, dict(request.headers))  # raises if forged
        self.requests.append(request.headers["webhook-id"])
        await asyncio.sleep(self.delay)
        if self.fail_next > 0:
            self.fail_next -= 1
            return Response(status_code=503)
        if request.headers["webhook-id"] not in {p["id"] for p in self.processed}:
            self.processed.append({"id": request.headers["webhook-id"], **payload})
        return Response(status_code=204)
