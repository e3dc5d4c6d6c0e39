"""Holdings at registration: the account's balances read and valued as its opening lots.

What an account held before it was registered was bought at a cost we cannot know; it is
valued at the moment of registration (ticker prices), so a later sale realizes its profit
against that value. The snapshot is also the first "before" of the balance reconciliation.
Reading the exchange is best effort: when it fails the account is still registered, with
no opening lots, and a later sale of older holdings goes to review (unknown_cost_basis).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from activities.exchange.balances import read_balances, value_holdings
from activities.exchange.clients import ClientLender, FreshClients
from activities.exchange.factory import binance_client
from activities.exchange.lazy_ccxt import ccxt
from activities.exchange.markets import SharedMarkets
from db import audit
from db import inventory as books
from db.audit import Auditor

log = logging.getLogger(__name__)
VALUATION_QUOTE = "USDT"  # the quote holdings are valued in (their lots' currency)


class HeldAsset(BaseModel):
    quantity: str
    price: str | None  # per unit in `quote`; None: no market to value it, cost unknown
    value: str | None


class HoldingsSnapshot(BaseModel):
    """What the registration answer says was snapshotted."""

    taken: bool
    at: datetime | None = None
    quote: str = VALUATION_QUOTE
    cash: str = "0"  # the quote currency held: cash, not a lot
    assets: dict[str, HeldAsset] = {}
    note: str = ""


async def snapshot_holdings(
    sessions: async_sessionmaker[AsyncSession],
    auditor: Auditor,
    *,
    account_id: str,
    api_key: str,
    api_secret: str,
    base_url: str | None,
    client_factory: Callable[..., Any] = binance_client,
    quote: str = VALUATION_QUOTE,
    clients: ClientLender | None = None,
    markets: SharedMarkets | None = None,
) -> HoldingsSnapshot:
    """Reads, values and stores the account's opening lots; once per account.

    `clients` and `markets`: the process's pool of exchange clients and its shared copy of
    the markets (the API passes them: building a ccxt client and loading its markets were
    a third of the API's CPU per registration); None: a client of its own, markets loaded."""
    cipher = auditor.cipher
    lender = clients or FreshClients(client_factory)
    client = lender.borrow(api_key=api_key, api_secret=api_secret, base_url=base_url)
    clean = False  # a client whose read failed is closed, never lent again
    try:
        if markets is None:
            await client.load_markets()
        else:
            await markets.prepare(client)
        at = datetime.now(UTC)
        held = await read_balances(client)
        lots, prices = await value_holdings(client, held, quote)
        clean = True
    except ccxt.BaseError as err:
        # Never the message: it may echo request details; the class says enough.
        log.warning("holdings of %s not read: %s", account_id, type(err).__name__)
        return HoldingsSnapshot(taken=False, note=f"exchange not read ({type(err).__name__})")
    except Exception as err:
        # Not ccxt's: the HTTP client's own (aiohttp refusing a header value, an unwrapped
        # timeout). Still best effort, as the account is already registered; an error, not a
        # warning, since a credential check or ccxt should have caught it first.
        log.error("holdings of %s not read: unexpected %s", account_id, type(err).__name__)
        return HoldingsSnapshot(taken=False, note=f"exchange not read ({type(err).__name__})")
    finally:
        await lender.give_back(client, reuse=clean)
    async with sessions.begin() as s:
        await audit.lock_chain(s, f"account/{account_id}")  # the chain before the book's row
        await audit.append(
            s,
            auditor,
            at=at,
            actor="system",
            action="inventory.registration_snapshot",
            subject=f"account/{account_id}",
            key=f"inventory:{account_id}:registration",
            details={"assets": sorted(held), "valued": sorted(prices)},
        )
        book = await books.lock_book(s, cipher, account_id)
        if book.registered_at is not None or book.version:
            return HoldingsSnapshot(taken=False, note="the account's inventory already exists")
        await books.write_book(
            s, cipher, account_id, lots=lots, at=at, balances=held, snapshot_at=at, registered_at=at
        )
        await books.add_snapshot(
            s,
            cipher,
            account_id,
            taken_at=at,
            kind="registration",
            balances=held,
            valuation=prices,
        )
    return HoldingsSnapshot(
        taken=True,
        at=at,
        quote=quote,
        cash=f"{held.get(quote, Decimal(0)):f}",
        assets={
            lot.asset: HeldAsset(
                quantity=f"{lot.quantity:f}",
                price=None if lot.price is None else f"{lot.price:f}",
                value=None if lot.price is None else f"{lot.price * lot.quantity:f}",
            )
            for lot in lots
        },
    )
