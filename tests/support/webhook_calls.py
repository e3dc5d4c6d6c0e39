"""Gateway callbacks as the webhook tests send and check them (tests/api/webhooks)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from db.models import AuditEntry, Payment
from domain.webhooks.gateway import Gateway
from tests.support.api import BACKEND, OPS
from tests.support.history import signals_sent, updates_accepted
from tests.support.scenario import eventually, register_account, round_trip, seed_emulator_account
from workflows.ids import share_workflow_id


def wrong(creds: dict[str, str]) -> dict[str, str]:
    """The same settings with every secret replaced: what a forger would sign with."""
    standard = "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3ODk="
    return {k: (standard if v.startswith("whsec_") else "not-the-secret") for k, v in creds.items()}


async def deliver(api, gateway: Gateway, body: bytes, headers: dict, **kw: Any):
    headers = {**headers, "content-type": "application/json"}
    return await api.post(f"/v1/webhooks/{gateway.path}", content=body, headers=headers, **kw)


async def open_share(api, deps, emulator_url) -> dict:
    """A verified 1000 USDT profit: 150.00 USDT share, billed 12611.25 INR, with its
    checkout page (a PhonePe order the emulator knows)."""
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    key, secret = await seed_emulator_account(
        emulator_url, round_trip(Decimal("1000"), start_ms=int(start.timestamp() * 1000))
    )
    user = f"u_{key[-8:]}"
    body = {
        "event_id": f"evt_{key[-12:]}", "user_id": user, "exchange": "binance",
        "account_id": await register_account(deps, user, key, secret), "session_id": "s_1",
        "session_start": start.isoformat(),
        "session_end": (start + timedelta(minutes=45)).isoformat(),
        "symbols": ["BTC/USDT"], "positions_count": 1,
        "reported_profit": "1000.00", "currency": "USDT",
    }  # fmt: skip
    assert (await api.post("/v1/profit-events", json=body, headers=BACKEND)).status_code == 202

    async def with_link():
        found = await share(api, body["event_id"])
        return found if found["status"] == "open" and found.get("payment_link") else None

    opened = await eventually(with_link)
    assert (opened["billing_currency"], opened["amount_due"]) == ("INR", "12611.25")
    return opened


async def share(api, event_id: str) -> dict:
    response = await api.get(f"/v1/shares/{event_id}", headers=OPS)
    assert response.status_code == 200, response.text
    return response.json()


async def wait_status(api, event_id: str, status: str) -> dict:
    async def reached():
        found = await share(api, event_id)
        return found if found["status"] == status else None

    return await eventually(reached)


async def payments(deps, provider: str, txn: str) -> list[Payment]:
    async with deps.sessions() as s:
        rows = await s.scalars(
            select(Payment).where(Payment.provider == provider, Payment.transaction_id == txn)
        )
        return list(rows)


async def alerts(deps, key: str) -> list[str]:
    async with deps.sessions() as s:
        found = await s.scalars(select(AuditEntry).where(AuditEntry.idempotency_key == key))
        return [f"{a.subject} {a.action}" for a in found]


def assert_error(response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"code", "message", "details"}
    assert error["code"] == code and error["message"]


async def payment_messages(env, event_id: str) -> int:
    """Payments the share's workflow was sent (`pay` updates and `payment` signals): its
    history records each one when it arrives, so the count proves what got through without
    waiting (tests/support/history.py)."""
    workflow_id = share_workflow_id(event_id)
    return await signals_sent(env.client, workflow_id, "payment") + await updates_accepted(
        env.client, workflow_id, "pay"
    )
