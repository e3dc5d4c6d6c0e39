"""FastAPI app speaking the slice of Binance spot REST that ccxt and the verifier use.

Request parameters are parsed by hand rather than by FastAPI so that a bad or missing
one produces Binance's error body and code (which ccxt maps), not FastAPI's 422.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from emulators.binance.market import (
    DEFAULT_KLINES,
    INTERVAL_MS,
    MARKETS,
    MAX_KLINES,
    Market,
    exchange_info_symbol,
    fmt,
    kline,
    kline_open_times,
    price_at,
)
from emulators.binance.signing import (
    BinanceError,
    check_signature,
    check_timestamp,
    invalid_key,
    mandatory,
    split_signature,
)
from emulators.binance.state import (
    DAY_MS,
    Account,
    Store,
    build_trades,
    orders_from_trades,
    select_orders,
    select_trades,
)
from emulators.binance.wallet import control_router, wallet_router

MAX_ROWS = 1000  # myTrades / allOrders "limit" maximum
DEFAULT_ROWS = 500


class _RateLimiter:
    """Requests per rolling minute on /api/v3: Binance's per-IP REQUEST_WEIGHT, all weights 1."""

    def __init__(self, per_minute: int | None) -> None:
        self.per_minute = per_minute
        self._hits: deque[float] = deque()

    def __call__(self) -> None:
        if self.per_minute is None:
            return
        now = time.monotonic()
        while self._hits and now - self._hits[0] >= 60:
            self._hits.popleft()
        if len(self._hits) >= self.per_minute:
            retry_after = int(60 - (now - self._hits[0])) + 1
            raise BinanceError(
                -1003,
                f"Too much request weight used; current limit is {self.per_minute} request weight"
                " per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling"
                " the API.",
                429,
                {"Retry-After": str(retry_after)},
            )
        self._hits.append(now)


def _int(params: dict[str, str], name: str) -> int | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        raise BinanceError(-1100, f"Illegal characters found in parameter '{name}'.") from None


def _limit(params: dict[str, str], default: int, maximum: int) -> int:
    limit = _int(params, "limit")
    if limit is None:
        return default
    if limit < 1:
        raise BinanceError(
            -1100,
            f"Illegal characters found in parameter 'limit'; legal range is '1' to '{maximum}'.",
        )
    return min(limit, maximum)


def _market(params: dict[str, str]) -> Market:
    symbol = params.get("symbol")
    if not symbol:
        raise mandatory("symbol")
    market = MARKETS.get(symbol)
    if market is None:
        raise BinanceError(-1121, "Invalid symbol.")
    return market


def _window(params: dict[str, str]) -> tuple[int | None, int | None]:
    start, end = _int(params, "startTime"), _int(params, "endTime")
    if start is not None and end is not None and end - start > DAY_MS:
        raise BinanceError(-1127, "More than 24 hours between startTime and endTime.")
    return start, end


def _invalid_combination() -> BinanceError:
    return BinanceError(-1128, "Combination of optional parameters invalid.")


class AccountIn(BaseModel):
    api_key: str = Field(min_length=1)
    api_secret: str = Field(min_length=1)
    balances: dict[str, Decimal] = Field(default_factory=dict)
    trades: list[dict[str, Any]] = Field(default_factory=list)


class ClockIn(BaseModel):
    offset_ms: int


class HoldIn(BaseModel):
    hold: bool


def create_app(*, rate_limit_per_minute: int | None = None, clock_offset_ms: int = 0) -> FastAPI:
    """A fresh emulator with its own store, so tests never share accounts by accident."""
    store = Store(clock_offset_ms)
    app = FastAPI(title="Binance spot emulator", docs_url=None, redoc_url=None)
    app.state.store = store
    trades_gate = asyncio.Event()  # open unless a test holds the exchange's answers
    trades_gate.set()
    api = APIRouter(prefix="/api/v3", dependencies=[Depends(_RateLimiter(rate_limit_per_minute))])

    @app.exception_handler(BinanceError)
    async def _binance_error(_: Request, exc: BinanceError) -> JSONResponse:
        return JSONResponse({"code": exc.code, "msg": exc.msg}, exc.status, headers=exc.headers)

    async def authenticate(request: Request) -> tuple[Account, dict[str, str]]:
        api_key = request.headers.get("X-MBX-APIKEY")
        if not api_key:
            raise BinanceError(-2014, "API-key format invalid.", 401)
        account = store.account(api_key)
        if account is None:
            raise invalid_key()
        params = dict(request.query_params)
        body = (await request.body()).decode()
        check_timestamp(params, store.now_ms())
        payload, signature = split_signature(request.scope["query_string"].decode(), body)
        check_signature(account.secret, payload, signature)
        return account, params

    @api.get("/ping")
    async def ping() -> dict[str, Any]:
        return {}

    @api.get("/time")
    async def server_time() -> dict[str, Any]:
        return {"serverTime": store.now_ms()}

    @api.get("/exchangeInfo")
    async def exchange_info(request: Request) -> dict[str, Any]:
        wanted = request.query_params.get("symbol")
        markets = [m for m in MARKETS.values() if wanted in (None, m.symbol)]
        if wanted and not markets:
            raise BinanceError(-1121, "Invalid symbol.")
        return {
            "timezone": "UTC",
            "serverTime": store.now_ms(),
            "rateLimits": [
                {
                    "rateLimitType": "REQUEST_WEIGHT",
                    "interval": "MINUTE",
                    "intervalNum": 1,
                    "limit": rate_limit_per_minute or 6000,
                },
            ],
            "exchangeFilters": [],
            "symbols": [exchange_info_symbol(m) for m in markets],
        }

    def ticker(market: Market) -> dict[str, str]:
        # A pinned price is returned exactly; otherwise the live point of the price wave.
        pinned = store.prices.get(market.symbol)
        now = store.now_ms()
        price = pinned if pinned is not None else price_at(market, market.base_price, now)
        return {"symbol": market.symbol, "price": fmt(price)}

    @api.get("/ticker/price", response_model=None)
    async def ticker_price(request: Request) -> dict[str, str] | list[dict[str, str]]:
        params = dict(request.query_params)
        if params.get("symbol"):
            return ticker(_market(params))
        try:  # Binance takes symbols as a JSON array: ["BTCUSDT","BNBUSDT"]
            ids = json.loads(params["symbols"]) if params.get("symbols") else list(MARKETS)
        except ValueError:
            raise BinanceError(-1100, "Illegal characters found in parameter 'symbols'.") from None
        if not isinstance(ids, list) or any(i not in MARKETS for i in ids):
            raise BinanceError(-1121, "Invalid symbol.")
        return [ticker(MARKETS[i]) for i in ids]

    @api.get("/klines")
    async def klines(request: Request) -> list[list[Any]]:
        params = dict(request.query_params)
        market = _market(params)
        interval = params.get("interval")
        if not interval:
            raise mandatory("interval")
        if interval not in INTERVAL_MS:
            raise BinanceError(-1120, "Invalid interval.")
        step = INTERVAL_MS[interval]
        start, end = _int(params, "startTime"), _int(params, "endTime")
        limit = _limit(params, DEFAULT_KLINES, MAX_KLINES)
        opens = kline_open_times(step, store.now_ms(), start, end, limit)
        base = store.base_price(market.symbol)
        return [kline(market, base, t, step) for t in opens]

    @api.get("/account")
    async def account_info(request: Request) -> dict[str, Any]:
        account, params = await authenticate(request)
        return account.to_binance(store.now_ms(), params.get("omitZeroBalances") == "true")

    @api.get("/myTrades")
    async def my_trades(request: Request) -> list[dict[str, Any]]:
        account, params = await authenticate(request)
        await trades_gate.wait()
        market = _market(params)
        from_id, order_id = _int(params, "fromId"), _int(params, "orderId")
        start, end = _window(params)
        timed = start is not None or end is not None
        # Binance: fromId and orderId each exclude startTime/endTime.
        if timed and (from_id is not None or order_id is not None):
            raise _invalid_combination()
        rows = select_trades(
            account.trades.get(market.symbol, []),
            from_id=from_id,
            order_id=order_id,
            start=start,
            end=end,
            limit=_limit(params, DEFAULT_ROWS, MAX_ROWS),
        )
        return [t.to_binance() for t in rows]

    @api.get("/allOrders")
    async def all_orders(request: Request) -> list[dict[str, Any]]:
        account, params = await authenticate(request)
        market = _market(params)
        order_id = _int(params, "orderId")
        start, end = _window(params)
        limit = _limit(params, DEFAULT_ROWS, MAX_ROWS)
        orders = orders_from_trades(account.trades.get(market.symbol, []))
        return select_orders(orders, order_id=order_id, start=start, end=end, limit=limit)

    app.include_router(api)
    app.include_router(wallet_router(store, authenticate))
    app.include_router(control_router(store))

    # Test control: no auth, never part of what a real exchange offers.
    @app.post("/_emulator/accounts", status_code=201)
    async def put_account(body: AccountIn) -> dict[str, Any]:
        try:
            trades = build_trades(body.trades, store.now_ms())
        except (ValueError, InvalidOperation) as exc:
            raise HTTPException(422, str(exc)) from None
        store.put_account(Account(body.api_key, body.api_secret, dict(body.balances), trades))
        return {"api_key": body.api_key, "trades": sum(len(t) for t in trades.values())}

    @app.delete("/_emulator/accounts/{api_key}", status_code=204)
    async def revoke_account(api_key: str) -> Response:
        if not store.remove_account(api_key):
            raise HTTPException(404, "unknown api key")
        return Response(status_code=204)

    @app.post("/_emulator/hold")
    async def hold_trades(body: HoldIn) -> dict[str, bool]:
        """Holds every /myTrades answer until released: an exchange that hangs mid-session."""
        if body.hold:
            trades_gate.clear()
        else:
            trades_gate.set()
        return {"hold": body.hold}

    @app.post("/_emulator/clock")
    async def set_clock(body: ClockIn) -> dict[str, int]:
        store.clock_offset_ms = body.offset_ms
        return {"offset_ms": body.offset_ms, "serverTime": store.now_ms()}

    @app.post("/_emulator/prices")
    async def set_prices(body: dict[str, Decimal]) -> dict[str, str]:
        prices = {symbol.replace("/", ""): price for symbol, price in body.items()}
        unknown = sorted(set(prices) - set(MARKETS))
        if unknown:
            raise HTTPException(422, f"unknown symbols: {unknown}")
        store.set_prices(prices)
        return {symbol: fmt(price) for symbol, price in prices.items()}

    return app
