"""`profitshare demo`: one profit event through the running dev stack, from intake to paid."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import quote

import httpx
from rich.console import Console

from config.settings import Settings, load_settings
from domain.webhooks import standard

console = Console()
PROFIT = Decimal("1000.00")


def session_trades(start_ms: int) -> list[dict]:
    """Buy 0.5 BTC in two partial fills, sell it 2,000 USDT higher: 1,000 USDT profit."""
    return [
        {
            "symbol": "BTCUSDT",
            "orderId": 1,
            "price": "60000.00",
            "qty": "0.3",
            "time": start_ms + 60_000,
            "commission": "0",
            "commissionAsset": "USDT",
            "isBuyer": True,
        },
        {
            "symbol": "BTCUSDT",
            "orderId": 1,
            "price": "60000.00",
            "qty": "0.2",
            "time": start_ms + 61_000,
            "commission": "0",
            "commissionAsset": "USDT",
            "isBuyer": True,
        },
        {
            "symbol": "BTCUSDT",
            "orderId": 2,
            "price": "62000.00",
            "qty": "0.5",
            "time": start_ms + 1_800_000,
            "commission": "0",
            "commissionAsset": "USDT",
            "isBuyer": False,
        },
    ]


async def _wait_for(
    api: httpx.AsyncClient, event_id: str, statuses: set[str], timeout: float = 90
) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        share = (await api.get(f"/v1/shares/{event_id}")).json()
        if share.get("status") in statuses:
            return share
        if time.monotonic() > deadline:
            raise TimeoutError(f"share stayed {share.get('status')!r}; is the worker running?")
        await asyncio.sleep(0.5)


async def seed_session(
    api: httpx.AsyncClient,
    emulator: httpx.AsyncClient,
    *,
    user_id: str,
    api_key: str,
    api_secret: str,
    start: datetime,
) -> str:
    """The session's trades on the emulator, then the exchange account registered through the
    API as the backend does it; returns the account id."""
    seeded = await emulator.post(
        "/_emulator/accounts",
        json={
            "api_key": api_key,
            "api_secret": api_secret,
            "balances": {"USDT": "50000"},
            "trades": session_trades(int(start.timestamp() * 1000)),
        },
    )
    seeded.raise_for_status()
    registered = await api.post(
        f"/v1/users/{user_id}/exchange-accounts",
        json={"exchange": "binance", "api_key": api_key, "api_secret": api_secret},
    )
    registered.raise_for_status()
    return registered.json()["account_id"]


def event_body(
    *,
    event_id: str,
    user_id: str,
    account_id: str,
    session_id: str,
    start: datetime,
    device_fingerprint: str,
) -> dict:
    """The profit event the backend sends for the session `seed_session` put on the emulator."""
    return {
        "event_id": event_id,
        "user_id": user_id,
        "account_id": account_id,
        "exchange": "binance",
        "session_id": session_id,
        "session_start": start.isoformat(),
        "session_end": (start + timedelta(minutes=45)).isoformat(),
        "symbols": ["BTC/USDT"],
        "positions_count": 1,
        "reported_profit": str(PROFIT),
        "currency": "USDT",
        "ip": "203.0.113.7",
        "device_fingerprint": device_fingerprint,
    }


def backend_token(settings: Settings) -> str:
    for role, token in settings.bootstrap_token_pairs():
        if role == "backend":
            return token
    raise SystemExit("no backend token: start `./scripts/dev` first (it writes DATA_DIR/dev.env)")


async def run_demo() -> int:
    settings = load_settings()
    secret = settings.gateway_value("standard_webhook_secret")
    if secret is None:
        raise SystemExit("PROFITSHARE_STANDARD_WEBHOOK_SECRET is not set; run ./scripts/dev first")
    emulator_url = settings.exchange_base_url or f"http://127.0.0.1:{settings.emulator_port}"
    user_id, suffix = f"u_demo_{uuid.uuid4().hex[:6]}", uuid.uuid4().hex[:8]
    api_key, api_secret = f"demo-key-{suffix}", uuid.uuid4().hex
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=50)
    headers = {"Authorization": f"Bearer {backend_token(settings)}"}
    async with (
        httpx.AsyncClient(
            base_url=f"http://localhost:{settings.api_port}", headers=headers, timeout=30
        ) as api,
        httpx.AsyncClient(base_url=emulator_url) as ex,
    ):
        console.print(f"1. exchange: seeding a session for [bold]{user_id}[/] on the emulator")
        account_id = await seed_session(
            api, ex, user_id=user_id, api_key=api_key, api_secret=api_secret, start=start
        )
        console.print(f"2. backend: registered exchange account {account_id}")
        event = event_body(
            event_id=f"evt_demo_{suffix}",
            user_id=user_id,
            account_id=account_id,
            session_id=f"s_demo_{suffix}",
            start=start,
            device_fingerprint=f"fp_{suffix}",
        )
        accepted = await api.post("/v1/profit-events", json=event)
        console.print(f"3. backend: profit event → {accepted.status_code} {accepted.json()}")
        share = await _wait_for(api, event["event_id"], {"open", "under_review", "no_share"})
        console.print(
            f"4. share [bold]{share['status']}[/]: verified {share['verified_profit']} "
            f"{share['currency']}, share {share['share_amount']}, due now "
            f"{share['amount_due']} {share['billing_currency']}, reference "
            f"{share['payment_reference']}"
        )
        if share["status"] != "open":
            return 1
        body = json.dumps(
            {
                "type": "payment.succeeded",
                "data": {
                    "payment_reference": share["payment_reference"],
                    "transaction_id": f"txn_demo_{suffix}",
                    "amount": share["amount_due"],
                    "currency": share["billing_currency"],
                    "paid_at": datetime.now(UTC).isoformat(),
                },
            }
        ).encode()
        now = datetime.now(UTC)
        msg_id = f"msg_{suffix}"
        signature = standard.sign(
            body,
            secret=secret,
            msg_id=msg_id,
            timestamp=now,
        )
        paid = await api.post(
            "/v1/webhooks/standard",
            content=body,
            headers={
                "webhook-id": msg_id,
                "webhook-timestamp": str(int(now.timestamp())),
                "webhook-signature": signature,
                "content-type": "application/json",
            },
        )
        console.print(f"5. gateway: payment webhook → {paid.status_code} {paid.json()}")
        share = await _wait_for(api, event["event_id"], {"paid"})
        console.print(
            f"6. share [bold green]{share['status']}[/]: paid {share['amount_paid']} "
            f"{share['billing_currency']} (early-payment discount applied)"
        )
        query = quote(f'UserId="{user_id}"')
        console.print(
            f"Temporal UI: http://localhost:{settings.temporal_ui_port}/namespaces/"
            f"{settings.temporal_namespace}/workflows?query={query}"
        )
    return 0
