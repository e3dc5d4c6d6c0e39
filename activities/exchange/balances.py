"""Reading an account's balances, transfers and holdings' value through ccxt.

Amounts are taken from the exchange's raw strings (`info`), never from ccxt's floats.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from activities.exchange.fetch import session_fills
from activities.exchange.windows import windows
from domain.pnl import Fill, Lot, Transfer
from domain.pnl.inventory import REGISTRATION

NINETY_DAYS_MS = 90 * 86_400_000  # Binance's deposit and withdrawal history per request
# Binance deposit status 1 (success) and 6 (credited, not yet withdrawable) are in the
# balance; a withdrawal leaves it unless cancelled (1), rejected (3) or failed (5).
_DEPOSIT_IN = {"ok"}
_WITHDRAWAL_OUT = {"ok", "pending"}


async def read_balances(client: Any) -> dict[str, Decimal]:
    """asset -> free + locked, every asset the account holds (GET /api/v3/account)."""
    balance = await client.fetch_balance()
    held: dict[str, Decimal] = {}
    for row in balance["info"].get("balances", []):
        total = Decimal(row["free"]) + Decimal(row["locked"])
        if total:
            held[client.safe_currency_code(row["asset"])] = total
    return held


async def read_transfers(client: Any, since_ms: int, until_ms: int) -> list[Transfer]:
    """Deposits credited and withdrawals debited in (since_ms, until_ms]."""
    transfers: list[Transfer] = []
    deposits: list[dict[str, Any]] = []
    withdrawals: list[dict[str, Any]] = []
    # Raw startTime/endTime rather than since/until: ccxt's fetch_withdrawals replaces
    # `until` with since + 90 days, and its `since` filter would drop a withdrawal whose
    # applyTime (whole seconds) falls before a window that its own time is in.
    for lo, hi in windows(since_ms + 1, until_ms, NINETY_DAYS_MS):
        bounds = {"startTime": lo, "endTime": hi}
        deposits += await client.fetch_deposits(params=bounds)
        withdrawals += await client.fetch_withdrawals(params=bounds)
    for kind, rows, counted in (
        ("deposit", deposits, _DEPOSIT_IN),
        ("withdrawal", withdrawals, _WITHDRAWAL_OUT),
    ):
        for row in rows:
            at = row["timestamp"]
            if row["status"] not in counted or at is None or not since_ms < at <= until_ms:
                continue
            raw = row["info"]
            transfers.append(
                Transfer(
                    kind=kind,  # type: ignore[arg-type]
                    asset=row["currency"],
                    amount=Decimal(raw["amount"]),
                    fee=Decimal(raw.get("transactionFee") or 0),
                    timestamp_ms=at,
                )
            )
    return transfers


async def interval_fills(
    client: Any, symbols: Iterable[str], since_ms: int, until_ms: int
) -> list[Fill]:
    """Every fill of `symbols` in (since_ms, until_ms]."""
    fills: list[Fill] = []
    for symbol in symbols:
        fills += await session_fills(client, symbol, since_ms + 1, until_ms)
    return fills


async def value_holdings(
    client: Any, held: dict[str, Decimal], quote: str
) -> tuple[list[Lot], dict[str, Decimal]]:
    """Opening lots for holdings read at registration, each at its current price in `quote`.

    The quote itself is cash, not a lot. An asset with no `asset/quote` market gets a lot
    of unknown cost: selling it later goes to review rather than being billed on a guess.
    Returns the lots and the prices used.
    """
    symbols = [f"{asset}/{quote}" for asset in held if asset != quote]
    listed = [symbol for symbol in symbols if symbol in client.markets]
    prices: dict[str, Decimal] = {}
    if listed:
        tickers = await client.fetch_last_prices(listed)
        for symbol in listed:
            raw = tickers[symbol]
            prices[symbol.partition("/")[0]] = Decimal(
                str(raw["info"].get("price") or raw["price"])
            )
    lots = [
        Lot(
            asset=asset,
            quote=quote,
            quantity=quantity,
            price=prices.get(asset),
            source=REGISTRATION,
        )
        for asset, quantity in sorted(held.items())
        if asset != quote
    ]
    return lots, prices


def now_ms() -> int:
    return int(datetime.now(UTC).timestamp() * 1000)
