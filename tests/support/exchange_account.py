"""An exchange account on the emulator, registered and snapshotted as at registration, that
tests trade on and verify sessions of with the real verify_session activity (unmodified
ccxt over HTTP). The fixtures are in tests/activities/conftest.py."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
from temporalio.testing import ActivityEnvironment

from activities.exchange.holdings import snapshot_holdings
from activities.exchange.verify import ExchangeActivities
from activities.fx.fixed import FixedFxRates
from db import inventory as books
from domain.models import ProfitEvent, VerificationSummary
from tests.support.scenario import profit_event, register_account

MINUTE = 60_000
HOUR = 60 * MINUTE


def at_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def trade(symbol: str, side: str, price: str, qty: str, fee: str = "0", fee_asset: str = "USDT"):
    return {
        "symbol": symbol,
        "isBuyer": side == "buy",
        "price": price,
        "qty": qty,
        "commission": fee,
        "commissionAsset": fee_asset,
    }


@dataclass
class Account:
    http: httpx.AsyncClient
    deps: Any
    url: str
    api_key: str
    user_id: str
    account_id: str
    registered_ms: int
    fx: FixedFxRates | None = None

    async def trade(self, *rows: dict) -> int:
        """Trades now, one millisecond apart at least; returns the last one's time."""
        last = 0
        for row in rows:
            await asyncio.sleep(0.005)
            response = await self.http.post(
                f"/_emulator/accounts/{self.api_key}/trades", json={"trades": [row]}
            )
            response.raise_for_status()
            last = await self.now()
        await asyncio.sleep(0.005)
        return last

    async def now(self) -> int:
        return (await self.http.get("/api/v3/time")).json()["serverTime"]

    async def control(self, what: str, body: dict) -> None:
        response = await self.http.post(f"/_emulator/accounts/{self.api_key}/{what}", json=body)
        response.raise_for_status()

    def event(self, start_ms: int, end_ms: int, reported: str, **fields: Any) -> ProfitEvent:
        fields = {"positions": 1} | fields
        return profit_event(
            self.user_id,
            self.account_id,
            start=at_ms(start_ms),
            session_end=at_ms(end_ms),
            reported=Decimal(reported),
            **fields,
        )

    async def verify(self, event: ProfitEvent) -> VerificationSummary:
        acts = ExchangeActivities(
            self.deps.sessions, self.deps.auditor, base_url=self.url, fx=self.fx
        )
        return await ActivityEnvironment().run(acts.verify_session, event)

    async def lots(self) -> list[tuple[str, Decimal, Decimal | None]]:
        async with self.deps.sessions() as s:
            book = await books.read_book(s, self.deps.cipher, self.account_id)
        return [(lot.asset, lot.quantity, lot.price) for lot in book.lots]


async def open_on_emulator(
    deps, url: str, balances: dict[str, str], prices: dict[str, str] | None = None
):
    http = httpx.AsyncClient(base_url=url)
    if prices:
        (await http.post("/_emulator/prices", json=prices)).raise_for_status()
    api_key, secret = f"key-{uuid.uuid4().hex}", uuid.uuid4().hex * 2
    body = {"api_key": api_key, "api_secret": secret, "balances": balances, "trades": []}
    (await http.post("/_emulator/accounts", json=body)).raise_for_status()
    user_id = f"u_{uuid.uuid4().hex[:10]}"
    account_id = await register_account(deps, user_id, api_key, secret)
    snapshot = await snapshot_holdings(
        deps.sessions,
        deps.auditor,
        account_id=account_id,
        api_key=api_key,
        api_secret=secret,
        base_url=url,
    )
    assert snapshot.taken, snapshot
    registered = int(snapshot.at.timestamp() * 1000)
    await asyncio.sleep(0.01)
    account = Account(http, deps, url, api_key, user_id, account_id, registered)
    return account, snapshot
