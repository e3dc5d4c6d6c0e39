"""Webhook → paid: signed Standard-Webhooks callbacks until every share is paid in Postgres.

The callbacks are built and signed before the clock starts (that is the gateway's work);
the timed part is ours: verify, match, record, signal, apply in the workflow, settle.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import httpx

from benchmarks.intake import wait_for_shares
from benchmarks.load import bounded
from domain.webhooks import standard
from runtime.deps import Deps


def _signed(share: dict, secret: str) -> tuple[bytes, dict[str, str]]:
    txn = f"txn_{share['event_id']}"
    body = json.dumps(
        {
            "type": "payment.succeeded",
            "data": {
                "payment_reference": share["payment_reference"],
                "transaction_id": txn,
                "amount": share["amount_due"],
                "currency": share["billing_currency"],
                "paid_at": datetime.now(UTC).isoformat(),
            },
        }
    ).encode()
    now = datetime.now(UTC)
    headers = {
        "webhook-id": f"msg_{txn}",
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": standard.sign(body, secret=secret, msg_id=f"msg_{txn}", timestamp=now),
        "content-type": "application/json",
    }
    return body, headers


Callback = tuple[bytes, dict[str, str]]


async def signed_callbacks(
    api: httpx.AsyncClient, event_ids: list[str], secret: str
) -> list[Callback]:
    """One callback per share, paying it in full: read and signed before any clock or CPU
    meter starts (the reads are the bench's, the signing the gateway's)."""
    shares = await bounded(event_ids, lambda eid: _share(api, eid))
    return [_signed(share, secret) for share in shares]


async def pay_all(
    api: httpx.AsyncClient,
    deps: Deps,
    tag: str,
    callbacks: list[Callback],
    *,
    timeout: float,
) -> float:
    """Delivers every callback; returns the seconds until all their shares are paid."""

    async def deliver(callback: Callback) -> None:
        response = await api.post("/v1/webhooks/standard", content=callback[0], headers=callback[1])
        if response.status_code != 200 or response.json()["result"] != "applied":
            raise RuntimeError(f"webhook answered {response.status_code}: {response.text}")

    started = time.perf_counter()
    await bounded(callbacks, deliver)
    await wait_for_shares(deps, tag, "paid", len(callbacks), timeout=timeout)
    return time.perf_counter() - started


async def _share(api: httpx.AsyncClient, event_id: str) -> dict:
    response = await api.get(f"/v1/shares/{event_id}")
    response.raise_for_status()
    return response.json()
