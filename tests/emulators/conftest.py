"""Clients and accounts on the session's emulator (`emulator_url`, tests/conftest.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from activities.exchange.factory import binance_client
from activities.exchange.lazy_ccxt import ccxt
from tests.support.emulator import MakeAccount, MakeClient, create_account


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


@pytest.fixture
def make_account(control: httpx.AsyncClient) -> MakeAccount:
    async def make(**kwargs: Any) -> tuple[str, str]:
        return await create_account(control, **kwargs)

    return make
