"""Deposit and withdrawal history (Binance sapi capital endpoints) and the test controls
that move an existing account: new trades, transfers and balances set by hand.

A trade, deposit or withdrawal added through the controls moves the balances the way
Binance would, so balances before and after can be reconciled with the history; setting a
balance by hand is the "unexplained" change a reconciliation must catch.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field

from emulators.binance.market import MARKETS, fmt
from emulators.binance.signing import BinanceError
from emulators.binance.state import Account, Store, Trade, build_trades

Authenticate = Callable[[Request], Awaitable[tuple[Account, dict[str, str]]]]
NINETY_DAYS_MS = 90 * 86_400_000
# Binance status codes: deposit 1 = success; withdrawal 6 = completed, 1/3/5 never debited.
DEPOSIT_SUCCESS = 1
WITHDRAWAL_COMPLETED = 6
WITHDRAWAL_NOT_DEBITED = {1, 3, 5}


class TradesIn(BaseModel):
    trades: list[dict[str, Any]] = Field(min_length=1)


class TransferIn(BaseModel):
    coin: str = Field(min_length=1, max_length=16)
    amount: Decimal = Field(gt=0)
    transactionFee: Decimal = Decimal(0)  # noqa: N815 (Binance's field name)
    time: int | None = None
    status: int | None = None


def _window(params: dict[str, str], now_ms: int) -> tuple[int, int]:
    """Binance: without times, the last 90 days; startTime alone opens 90 days from it."""
    try:
        start = int(params["startTime"]) if params.get("startTime") else None
        end = int(params["endTime"]) if params.get("endTime") else None
    except ValueError:
        raise BinanceError(-1100, "Illegal characters found in a parameter.") from None
    if start is None and end is None:
        return now_ms - NINETY_DAYS_MS, now_ms
    if start is None:
        return end - NINETY_DAYS_MS, end  # type: ignore[operator]
    if end is None:
        return start, start + NINETY_DAYS_MS
    if end - start > NINETY_DAYS_MS:
        raise BinanceError(-1127, "More than 90 days between startTime and endTime.")
    return start, end


def _apply(account: Account, trade: Trade) -> None:
    sign = 1 if trade.is_buyer else -1
    market = MARKETS[trade.symbol]
    balances = account.balances
    balances[market.base] = balances.get(market.base, Decimal(0)) + sign * trade.qty
    balances[market.quote] = balances.get(market.quote, Decimal(0)) - sign * trade.quote_qty
    fee_asset = trade.commission_asset
    balances[fee_asset] = balances.get(fee_asset, Decimal(0)) - trade.commission


def _apply_time(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S")


def _transfer_row(body: TransferIn, default_status: int, **own: object) -> dict[str, Any]:
    """What Binance's deposit and withdrawal histories both say of a transfer (the status
    given, or the history's settled one); `own` adds the fields of one history."""
    return {
        "id": uuid.uuid4().hex[:20],
        "amount": fmt(body.amount),
        "coin": body.coin,
        "network": body.coin,
        "status": default_status if body.status is None else body.status,
        "address": "emulator",
        "txId": uuid.uuid4().hex,
        "transferType": 0,
        **own,
    }


def wallet_router(store: Store, authenticate: Authenticate) -> APIRouter:
    sapi = APIRouter(prefix="/sapi/v1/capital")

    def select(rows: list[dict[str, Any]], params: dict[str, str], time_of) -> list[dict]:
        start, end = _window(params, store.now_ms())
        coin = params.get("coin")
        picked = [r for r in rows if start <= time_of(r) <= end and coin in (None, "", r["coin"])]
        picked.sort(key=time_of, reverse=True)  # Binance answers newest first
        offset, limit = int(params.get("offset") or 0), int(params.get("limit") or 1000)
        return picked[offset : offset + limit]

    @sapi.get("/deposit/hisrec")
    async def deposit_history(request: Request) -> list[dict[str, Any]]:
        account, params = await authenticate(request)
        return select(account.deposits, params, lambda r: r["insertTime"])

    @sapi.get("/withdraw/history")
    async def withdraw_history(request: Request) -> list[dict[str, Any]]:
        account, params = await authenticate(request)
        rows = select(account.withdrawals, params, lambda r: r["_time"])
        return [{k: v for k, v in r.items() if k != "_time"} for r in rows]

    return sapi


def control_router(store: Store) -> APIRouter:
    control = APIRouter(prefix="/_emulator/accounts/{api_key}")

    def account_of(api_key: str) -> Account:
        account = store.account(api_key)
        if account is None:
            raise HTTPException(404, "unknown api key")
        return account

    @control.post("/trades", status_code=201)
    async def add_trades(api_key: str, body: TradesIn) -> dict[str, Any]:
        """Appends trades (ids continue per symbol) and settles them into the balances."""
        account = account_of(api_key)
        existing = [t.to_binance() for trades in account.trades.values() for t in trades]
        try:
            merged = build_trades(existing + body.trades, store.now_ms())
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from None
        known = {(t["symbol"], t["id"]) for t in existing}
        for trades in merged.values():
            for trade in trades:
                if (trade.symbol, trade.id) not in known:
                    _apply(account, trade)
        account.trades = merged
        return {"balances": {a: fmt(v) for a, v in sorted(account.balances.items())}}

    @control.post("/balances")
    async def set_balances(api_key: str, body: dict[str, Decimal]) -> dict[str, Any]:
        """Sets balances by hand: a change no trade or transfer explains."""
        account = account_of(api_key)
        account.balances.update(body)
        return {"balances": {a: fmt(v) for a, v in sorted(account.balances.items())}}

    @control.post("/deposits", status_code=201)
    async def add_deposit(api_key: str, body: TransferIn) -> dict[str, Any]:
        account = account_of(api_key)
        at = body.time or store.now_ms()
        row = _transfer_row(
            body,
            DEPOSIT_SUCCESS,
            addressTag="",
            insertTime=at,
            confirmTimes="1/1",
            unlockConfirm=0,
            walletType=0,
        )
        account.deposits.append(row)
        if row["status"] == DEPOSIT_SUCCESS:
            account.balances[body.coin] = account.balances.get(body.coin, Decimal(0)) + body.amount
        return row

    @control.post("/withdrawals", status_code=201)
    async def add_withdrawal(api_key: str, body: TransferIn) -> dict[str, Any]:
        """The balance loses amount + transactionFee, as the history's two fields say."""
        account = account_of(api_key)
        at = body.time or store.now_ms()
        row = _transfer_row(
            body,
            WITHDRAWAL_COMPLETED,
            transactionFee=fmt(body.transactionFee),
            applyTime=_apply_time(at),
            _time=at,
        )
        account.withdrawals.append(row)
        if row["status"] not in WITHDRAWAL_NOT_DEBITED:
            spent = body.amount + body.transactionFee
            account.balances[body.coin] = account.balances.get(body.coin, Decimal(0)) - spent
        return {k: v for k, v in row.items() if k != "_time"}

    return control
