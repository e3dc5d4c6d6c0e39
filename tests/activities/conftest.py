"""Fixtures the activity tests share: an emulator of the test's own, and accounts on it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from emulators.serve import running
from tests.support.exchange_account import Account, open_on_emulator


@pytest.fixture
async def emulator() -> AsyncIterator[str]:
    """An emulator of the test's own: prices pinned here touch no other test."""
    async with running() as url:
        yield url


@pytest.fixture
async def open_account(deps, emulator) -> AsyncIterator[Any]:
    opened: list[Account] = []

    async def make(balances: dict[str, str] | None = None, prices: dict[str, str] | None = None):
        account, snapshot = await open_on_emulator(
            deps, emulator, balances or {"USDT": "100000"}, prices
        )
        opened.append(account)
        return account, snapshot

    yield make
    for account in opened:
        await account.http.aclose()
