"""In-memory accounts: api key -> secret, balances, fills; plus the emulator's clock and prices.

Handlers are plain coroutines with no await inside a mutation, so on one event loop
every change is atomic; the lock covers tests that poke the store from another thread.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from emulators.binance.market import MARKETS, fmt

DAY_MS = 86_400_000


@dataclass(frozen=True)
class Trade:
    symbol: str
    id: int
    order_id: int
    price: Decimal
    qty: Decimal
    quote_qty: Decimal
    commission: Decimal
    commission_asset: str
    time: int
    is_buyer: bool
    is_maker: bool
    is_best_match: bool

    def to_binance(self) -> dict[str, Any]:
        return {
            "symbol": self.symbol,
            "id": self.id,
            "orderId": self.order_id,
            "orderListId": -1,
            "price": fmt(self.price),
            "qty": fmt(self.qty),
            "quoteQty": fmt(self.quote_qty),
            "commission": fmt(self.commission),
            "commissionAsset": self.commission_asset,
            "time": self.time,
            "isBuyer": self.is_buyer,
            "isMaker": self.is_maker,
            "isBestMatch": self.is_best_match,
        }


@dataclass
class Account:
    api_key: str
    secret: str
    balances: dict[str, Decimal]
    trades: dict[str, list[Trade]] = field(default_factory=dict)  # symbol -> sorted by id
    # Binance capital history rows (sapi deposit/hisrec and withdraw/history), oldest first.
    deposits: list[dict[str, Any]] = field(default_factory=list)
    withdrawals: list[dict[str, Any]] = field(default_factory=list)

    @property
    def uid(self) -> int:
        # Stable per key, so repeated runs show the same account id.
        return int(hashlib.sha256(self.api_key.encode()).hexdigest()[:8], 16)

    def to_binance(self, now_ms: int, omit_zero: bool = False) -> dict[str, Any]:
        """GET /api/v3/account; nothing is ever locked because no order is ever open."""
        zero = "0.00000000"
        balances = [
            {"asset": asset, "free": fmt(free), "locked": zero}
            for asset, free in sorted(self.balances.items())
            if not (omit_zero and free == 0)
        ]
        return {
            "makerCommission": 10,
            "takerCommission": 10,
            "buyerCommission": 0,
            "sellerCommission": 0,
            "commissionRates": {
                "maker": "0.00100000",
                "taker": "0.00100000",
                "buyer": zero,
                "seller": zero,
            },
            "canTrade": True,
            "canWithdraw": True,
            "canDeposit": True,
            "brokered": False,
            "requireSelfTradePrevention": False,
            "preventSor": False,
            "updateTime": now_ms,
            "accountType": "SPOT",
            "balances": balances,
            "permissions": ["SPOT"],
            "uid": self.uid,
        }


def _decimal(row: dict[str, Any], name: str, default: Decimal | None = None) -> Decimal:
    value = row.get(name)
    if value is None:
        if default is None:
            raise ValueError(f"trade row is missing {name!r}")
        return default
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"trade {name!r} is not a decimal: {value!r}") from None


def build_trades(rows: list[dict[str, Any]], now_ms: int) -> dict[str, list[Trade]]:
    """Normalise Binance myTrades rows, filling ids the way Binance numbers them (per symbol)."""
    for row in rows:
        if row.get("symbol") not in MARKETS:
            raise ValueError(f"unknown symbol {row.get('symbol')!r}")
    next_id: dict[str, int] = {}
    next_order: dict[str, int] = {}
    for row in rows:  # ids given explicitly win; generated ones continue after the largest
        sym = row["symbol"]
        next_id[sym] = max(next_id.get(sym, 0), int(row.get("id") or 0))
        next_order[sym] = max(next_order.get(sym, 0), int(row.get("orderId") or 0))
    result: dict[str, list[Trade]] = {}
    for row in rows:
        sym = row["symbol"]
        market = MARKETS[sym]
        if row.get("id") is None:
            next_id[sym] += 1
        if row.get("orderId") is None:  # an unnamed order is its own single-fill order
            next_order[sym] += 1
        price, qty = _decimal(row, "price"), _decimal(row, "qty")
        is_buyer = bool(row.get("isBuyer", True))
        # Binance charges the fee in the asset received unless BNB pays it.
        fee_asset = market.base if is_buyer else market.quote
        trade = Trade(
            symbol=sym,
            id=int(row["id"]) if row.get("id") is not None else next_id[sym],
            order_id=int(row["orderId"]) if row.get("orderId") is not None else next_order[sym],
            price=price,
            qty=qty,
            quote_qty=_decimal(row, "quoteQty", price * qty),
            commission=_decimal(row, "commission", Decimal(0)),
            commission_asset=row.get("commissionAsset") or fee_asset,
            time=int(row.get("time", now_ms)),
            is_buyer=is_buyer,
            is_maker=bool(row.get("isMaker", False)),
            is_best_match=bool(row.get("isBestMatch", True)),
        )
        result.setdefault(sym, []).append(trade)
    for sym, trades in result.items():
        trades.sort(key=lambda t: t.id)
        ids = [t.id for t in trades]
        if len(set(ids)) != len(ids):
            raise ValueError(f"duplicate trade id in {sym}")
    return result


def select_trades(
    trades: list[Trade],
    *,
    from_id: int | None,
    order_id: int | None,
    start: int | None,
    end: int | None,
    limit: int,
) -> list[Trade]:
    """GET /api/v3/myTrades selection; the caller has already rejected invalid combinations."""
    if order_id is not None:
        trades = [t for t in trades if t.order_id == order_id]
    if from_id is not None:
        return [t for t in trades if t.id >= from_id][:limit]
    if start is None and end is None:
        return trades[-limit:]  # "most recent trades", still oldest first like Binance
    window = [t for t in trades if in_window(t.time, start, end)]
    window.sort(key=lambda t: (t.time, t.id))
    return window[:limit]


def in_window(ms: int, start: int | None, end: int | None) -> bool:
    """A lone bound opens a 24 h window from it, the most Binance allows between the two."""
    lo = start if start is not None else end - DAY_MS if end is not None else 0
    hi = end if end is not None else start + DAY_MS if start is not None else ms
    return lo <= ms <= hi


def select_orders(
    orders: list[dict[str, Any]],
    *,
    order_id: int | None,
    start: int | None,
    end: int | None,
    limit: int,
) -> list[dict[str, Any]]:
    """GET /api/v3/allOrders selection: orderId means "orders >= that orderId"."""
    if order_id is not None:
        return [o for o in orders if o["orderId"] >= order_id][:limit]
    if start is None and end is None:
        return orders[-limit:]
    return [o for o in orders if in_window(o["time"], start, end)][:limit]


def orders_from_trades(trades: list[Trade]) -> list[dict[str, Any]]:
    """Filled LIMIT orders as allOrders rows, one per orderId, ordered by orderId."""
    by_order: dict[int, list[Trade]] = {}
    for trade in trades:
        by_order.setdefault(trade.order_id, []).append(trade)
    orders = []
    for order_id in sorted(by_order):
        fills = by_order[order_id]
        buy = fills[0].is_buyer
        executed = sum((t.qty for t in fills), Decimal(0))
        # A limit every fill satisfied: the highest price paid, the lowest price sold at.
        limit_price = max(t.price for t in fills) if buy else min(t.price for t in fills)
        first, last = min(t.time for t in fills), max(t.time for t in fills)
        orders.append(
            {
                "symbol": fills[0].symbol,
                "orderId": order_id,
                "orderListId": -1,
                "clientOrderId": f"emu{order_id}",
                "price": fmt(limit_price),
                "origQty": fmt(executed),
                "executedQty": fmt(executed),
                "cummulativeQuoteQty": fmt(sum((t.quote_qty for t in fills), Decimal(0))),
                "status": "FILLED",
                "timeInForce": "GTC",
                "type": "LIMIT",
                "side": "BUY" if buy else "SELL",
                "stopPrice": fmt(Decimal(0)),
                "icebergQty": fmt(Decimal(0)),
                "time": first,
                "updateTime": last,
                "isWorking": True,
                "workingTime": first,
                "origQuoteOrderQty": fmt(Decimal(0)),
                "selfTradePreventionMode": "EXPIRE_MAKER",
            }
        )
    return orders


class Store:
    """Everything the emulator remembers between requests."""

    def __init__(self, clock_offset_ms: int = 0) -> None:
        self._lock = threading.Lock()
        self._accounts: dict[str, Account] = {}
        self.clock_offset_ms = clock_offset_ms
        self.prices: dict[str, Decimal] = {}  # symbol -> price a test pinned

    def now_ms(self) -> int:
        """The emulator's clock; the offset simulates a client whose clock is skewed."""
        return int(time.time() * 1000) + self.clock_offset_ms

    def put_account(self, account: Account) -> None:
        with self._lock:
            self._accounts[account.api_key] = account

    def remove_account(self, api_key: str) -> bool:
        with self._lock:
            return self._accounts.pop(api_key, None) is not None

    def account(self, api_key: str) -> Account | None:
        with self._lock:
            return self._accounts.get(api_key)

    def set_prices(self, prices: dict[str, Decimal]) -> None:
        with self._lock:
            self.prices.update(prices)

    def base_price(self, symbol: str) -> Decimal:
        return self.prices.get(symbol, MARKETS[symbol].base_price)
