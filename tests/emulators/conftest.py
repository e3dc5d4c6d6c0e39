"""One emulator per session on a free loopback port, served on the test event loop."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import ccxt.async_support as ccxt
import httpx
import pytest

from activities.exchange.factory import binance_client
from emulators.serve import running

MakeClient = Callable[..., ccxt.binance]
MakeAccount = Callable[..., Awaitable[tuple[str, str]]]


@pytest.fixture(scope="session")
async def emulator_url() -> AsyncIterator[str]:
    async with running() as url:
        yield url


@pytest.fixture(scope="session")
async def control(emulator_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=emulator_url) as client:
        yield client


@pytest.fixture
async def make_client(emulator_url: str) -> AsyncIterator[MakeClient]:
    """ccxt clients built by the production factory; closed after the test."""
    clients: list[ccxt.binance] = []

    def make(api_key: str, api_secret: str, base_url: str | None = None) -> ccxt.binance:
        client = binance_client(
            api_key=api_key, api_secret=api_secret, base_url=base_url or emulator_url
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


async def create_account(
    http: httpx.AsyncClient,
    *,
    balances: dict[str, str] | None = None,
    trades: list[dict[str, Any]] | None = None,
) -> tuple[str, str]:
    """A fresh account with a unique key, so tests never see each other's fills."""
    api_key, secret = f"key-{uuid.uuid4().hex}", uuid.uuid4().hex * 2
    body = {
        "api_key": api_key,
        "api_secret": secret,
        "balances": balances or {},
        "trades": trades or [],
    }
    response = await http.post("/_emulator/accounts", json=body)
    assert response.status_code == 201, response.text
    return api_key, secret


@pytest.fixture
def make_account(control: httpx.AsyncClient) -> MakeAccount:
    async def make(**kwargs: Any) -> tuple[str, str]:
        return await create_account(control, **kwargs)

    return make
