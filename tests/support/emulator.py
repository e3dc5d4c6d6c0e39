"""Accounts on the Binance emulator, made through its test-control API."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from activities.exchange.lazy_ccxt import ccxt

MakeClient = Callable[..., ccxt.binance]
MakeAccount = Callable[..., Awaitable[tuple[str, str]]]


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
