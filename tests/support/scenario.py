"""Builds realistic sessions: trades on the emulator, the account and the event in Postgres."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert

from db import standing
from db.models import ExchangeAccount, ProfitEventRow
from domain.models import ProfitEvent
from runtime.deps import Deps
from tests.support.api import BACKEND, OPS
from tests.support.emulator import create_account


def round_trip(profit: Decimal, *, start_ms: int, price: Decimal = Decimal("50000")) -> list[dict]:
    """Buy 1 BTC, sell it `profit` USDT higher ten minutes later; fees in USDT, zero."""
    return [
        {
            "symbol": "BTCUSDT",
            "orderId": 1,
            "price": str(price),
            "qty": "1",
            "commission": "0",
            "commissionAsset": "USDT",
            "time": start_ms + 60_000,
            "isBuyer": True,
        },
        {
            "symbol": "BTCUSDT",
            "orderId": 2,
            "price": str(price + profit),
            "qty": "1",
            "commission": "0",
            "commissionAsset": "USDT",
            "time": start_ms + 600_000,
            "isBuyer": False,
        },
    ]


async def seed_emulator_account(emulator_url: str, trades: list[dict]) -> tuple[str, str]:
    """An emulator account holding `trades` and 100000 USDT; returns its key and secret."""
    async with httpx.AsyncClient(base_url=emulator_url) as http:
        return await create_account(http, balances={"USDT": "100000"}, trades=trades)


async def register_account(deps: Deps, user_id: str, api_key: str, secret: str) -> str:
    account_id = f"acc_{uuid.uuid4().hex[:12]}"
    async with deps.sessions.begin() as s:
        await standing.ensure_user(s, deps.hasher, user_id, deps.policy.trust)
        s.add(
            ExchangeAccount(
                id=account_id,
                user_id=user_id,
                exchange="binance",
                api_key_enc=deps.cipher.encrypt(api_key),
                api_secret_enc=deps.cipher.encrypt(secret),
                api_key_fingerprint=deps.hasher.fingerprint(api_key),
            )
        )
    return account_id


def profit_event(
    user_id: str,
    account_id: str,
    *,
    start: datetime,
    reported: Decimal,
    positions: int = 1,
    **overrides: Any,
) -> ProfitEvent:
    body = {
        "event_id": f"evt_{uuid.uuid4().hex[:16]}",
        "user_id": user_id,
        "account_id": account_id,
        "exchange": "binance",
        "session_id": f"s_{uuid.uuid4().hex[:8]}",
        "session_start": start,
        "session_end": start + timedelta(minutes=45),
        "symbols": ["BTC/USDT"],
        "positions_count": positions,
        "reported_profit": str(reported),
        "currency": "USDT",
        **overrides,
    }
    return ProfitEvent.model_validate(body)


async def store_event(deps: Deps, event: ProfitEvent) -> None:
    """What the intake endpoint does, for a test that starts the workflow itself (so the row
    says started: an API's intake starter must not start it too)."""
    async with deps.sessions.begin() as s:
        await s.execute(
            insert(ProfitEventRow)
            .values(
                event_id=event.event_id,
                user_id=event.user_id,
                account_id=event.account_id,
                fingerprint=event.fingerprint(),
                body_enc=deps.cipher.encrypt(event.model_dump_json()),
                started_at=func.now(),
            )
            .on_conflict_do_nothing()
        )


async def profitable_session(
    deps: Deps,
    emulator_url: str,
    *,
    profit: Decimal = Decimal("1000"),
    reported: Decimal | None = None,
    user_id: str | None = None,
    **event_fields: Any,
) -> ProfitEvent:
    """A verified-looking session: the exchange shows `profit`, the backend reports `reported`.

    `event_fields` go into the profit event as they are (an ip, a device fingerprint, ...).
    """
    user_id = user_id or f"u_{uuid.uuid4().hex[:10]}"
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    start_ms = int(start.timestamp() * 1000)
    api_key, secret = await seed_emulator_account(
        emulator_url, round_trip(profit, start_ms=start_ms)
    )
    account_id = await register_account(deps, user_id, api_key, secret)
    event = profit_event(
        user_id,
        account_id,
        start=start,
        reported=reported if reported is not None else profit,
        **event_fields,
    )
    await store_event(deps, event)
    return event


async def event_body(deps: Deps, emulator_url: str, **overrides: Any) -> dict:
    """A ProfitEvent as the backend sends it to the API: 1000 USDT profit, account registered."""
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    key, secret = await seed_emulator_account(
        emulator_url, round_trip(Decimal("1000"), start_ms=int(start.timestamp() * 1000))
    )
    user = f"u_{key[-8:]}"
    account = await register_account(deps, user, key, secret)
    event = profit_event(
        user,
        account,
        start=start,
        reported=Decimal("1000.00"),
        event_id=f"evt_{key[-12:]}",
        session_id="s_1",
        ip="203.0.113.7",
        # One device per user: accounts sharing a device are what the risk rules hold back.
        device_fingerprint=f"fp_{key[-8:]}",
    )
    return {**event.model_dump(mode="json", exclude_none=True), **overrides}


async def eventually(check: Callable[[], Awaitable[Any]], *, timeout: float = 10.0) -> Any:
    """Polls `check` until it returns a truthy value (activities run in real time)."""
    deadline = time.monotonic() + timeout
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s (last: {result!r})")
        await asyncio.sleep(0.05)


async def submit_events(api: httpx.AsyncClient, deps: Deps, emulator_url: str, n: int) -> list[str]:
    """`n` profit events through the API, each accepted (202); returns their event ids."""
    event_ids = []
    for _ in range(n):
        body = await event_body(deps, emulator_url)
        response = await api.post("/v1/profit-events", json=body, headers=BACKEND)
        assert response.status_code == 202, response.text
        event_ids.append(body["event_id"])
    return event_ids


async def wait_open(
    api: httpx.AsyncClient, event_ids: list[str], timeout: float = 60
) -> list[dict]:
    """The shares (as the API shows them) once every one of them is open."""

    async def all_open():
        shares = [(await api.get(f"/v1/shares/{e}", headers=OPS)).json() for e in event_ids]
        return shares if all(s.get("status") == "open" for s in shares) else None

    return await eventually(all_open, timeout=timeout)


async def submit_event(
    api: httpx.AsyncClient, deps: Deps, emulator_url: str, *, profit: str, reported: str
) -> str:
    """A profit event through the intake API; the exchange shows `profit`. Returns its id."""
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    key, secret = await seed_emulator_account(
        emulator_url, round_trip(Decimal(profit), start_ms=int(start.timestamp() * 1000))
    )
    user = f"u_{uuid.uuid4().hex[:10]}"
    account = await register_account(deps, user, key, secret)
    event = profit_event(user, account, start=start, reported=Decimal(reported))
    response = await api.post(
        "/v1/profit-events", json=event.model_dump(mode="json"), headers=BACKEND
    )
    assert response.status_code == 202, response.text
    return event.event_id


async def share_in(api: httpx.AsyncClient, event_id: str, status: str) -> dict:
    """The share as the API shows it, once it has reached `status`."""

    async def reached():
        share = (await api.get(f"/v1/shares/{event_id}", headers=OPS)).json()
        return share if share.get("status") == status else None

    return await eventually(reached)
