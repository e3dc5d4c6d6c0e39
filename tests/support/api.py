"""What API tests present: the headers of the bootstrap tokens the test settings hold, and the
Standard Webhooks secret the API settings verify gateway webhooks with; an in-process client
and a signed payment callback."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import httpx
from starlette.types import ASGIApp

from tests.support import webhook_samples as samples

BOOTSTRAP_TOKENS = "backend:test-backend,ops:test-ops,admin:test-admin"
BACKEND = {"Authorization": "Bearer test-backend"}
OPS = {"Authorization": "Bearer test-ops"}
ADMIN = {"Authorization": "Bearer test-admin"}
STANDARD_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def in_process(app: ASGIApp, *, base_url: str = "http://api") -> httpx.AsyncClient:
    """A client that calls `app` in this process: no server, no port."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url)


def standard_callback(reference: str, txn: str, amount: str | Decimal) -> tuple[bytes, dict]:
    """A gateway's Standard Webhooks payment callback (USDT), signed with STANDARD_SECRET."""
    body = samples.standard_payment(reference, txn, str(amount), currency="USDT")
    headers = samples.signed_headers_standard(body, STANDARD_SECRET, datetime.now(UTC), f"m_{txn}")
    return body, headers | {"content-type": "application/json"}


async def pay_by_standard(api: httpx.AsyncClient, reference: str, txn: str, amount: str) -> dict:
    """Delivers `standard_callback` to the API; its answer (`{"result": ...}`)."""
    body, headers = standard_callback(reference, txn, amount)
    response = await api.post("/v1/webhooks/standard", content=body, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()
