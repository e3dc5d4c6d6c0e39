"""Unmodified ccxt (async binance) against the emulator, through the production factory."""

from __future__ import annotations

import hashlib
import hmac
import time
from decimal import Decimal
from typing import Any

import httpx
import pytest

from activities.exchange.lazy_ccxt import ccxt
from emulators.binance.signing import BinanceError, check_signature, split_signature
from emulators.serve import running
from tests.support.emulator import MakeAccount, MakeClient, create_account

T0 = 1_767_225_600_000  # 2026-01-01T00:00:00Z; fills are fixed in time so runs repeat exactly


def many_fills(count: int) -> list[dict[str, Any]]:
    """BTCUSDT fills every 20 s in bursts of 1, 2, 3 sharing one millisecond (ids implicit)."""
    rows: list[dict[str, Any]] = []
    group = 0
    while len(rows) < count:
        for _ in range(min(group % 3 + 1, count - len(rows))):
            rows.append(
                {
                    "symbol": "BTCUSDT",
                    "orderId": group + 1,
                    "price": "60000.00",
                    "qty": "0.00100000",
                    "time": T0 + group * 20_000,
                    "commission": "0.00000100",
                    "commissionAsset": "BTC",
                }
            )
        group += 1
    return rows


def test_signature_matches_binance_documented_example() -> None:
    # The HMAC example from Binance's spot API documentation ("SIGNED endpoint examples").
    secret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
    query = (
        "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1"
        "&recvWindow=5000&timestamp=1499827319559"
    )
    signature = "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"
    payload, found = split_signature(f"{query}&signature={signature}")
    assert (payload, found) == (query, signature)
    check_signature(secret, payload, found)
    with pytest.raises(BinanceError) as bad:
        check_signature(secret, payload + "0", found)
    assert bad.value.code == -1022


async def test_load_markets_and_balance(make_account: MakeAccount, make_client: MakeClient) -> None:
    key, secret = await make_account(balances={"USDT": "1500.50", "BNB": "2.5"})
    client = make_client(key, secret)
    markets = await client.load_markets()  # fails if ccxt reaches for sapi/fapi/dapi
    for symbol in ("BTC/USDT", "ETH/USDT", "BNB/USDT", "SOL/USDT", "ETH/BTC", "BNB/BTC"):
        assert markets[symbol]["spot"] and markets[symbol]["active"]
    assert markets["ETH/BTC"]["precision"]["price"] == 0.00001
    balance = await client.fetch_balance()
    assert balance["USDT"]["free"] == 1500.5 and balance["BNB"]["total"] == 2.5
    assert balance["info"]["balances"][0]["free"] == "2.50000000"  # Binance's string form


async def test_pages_2500_fills_without_loss_or_duplicates(
    make_account: MakeAccount, make_client: MakeClient
) -> None:
    key, secret = await make_account(trades=many_fills(2500))
    client = make_client(key, secret)
    # The safe pattern: first page by time, then by fromId (ids are gap-free per symbol).
    page = await client.fetch_my_trades("BTC/USDT", since=T0, limit=1000)
    fills = list(page)
    while len(page) == 1000:
        page = await client.fetch_my_trades(
            "BTC/USDT", limit=1000, params={"fromId": int(fills[-1]["id"]) + 1}
        )
        fills += page
    ids = [int(f["id"]) for f in fills]
    assert ids == list(range(1, 2501))
    assert sum(Decimal(str(f["amount"])) for f in fills) == Decimal("2.5")

    # Paging by time with since = last + 1 drops the rest of a millisecond split by a page.
    naive: list[dict[str, Any]] = []
    since = T0
    while page := await client.fetch_my_trades("BTC/USDT", since=since, limit=1000):
        naive += page
        since = page[-1]["timestamp"] + 1
    assert len(naive) < 2500
    # Inclusive time paging plus de-duplication by id is also lossless.
    seen: dict[str, dict[str, Any]] = {}
    since = T0
    while True:
        page = await client.fetch_my_trades("BTC/USDT", since=since, limit=1000)
        fresh = [f for f in page if f["id"] not in seen]
        seen.update((f["id"], f) for f in page)
        if not fresh:
            break
        since = page[-1]["timestamp"]
    assert len(seen) == 2500


async def test_binance_window_rules(make_account: MakeAccount, make_client: MakeClient) -> None:
    key, secret = await make_account(trades=many_fills(10))
    client = make_client(key, secret)
    with pytest.raises(ccxt.BadRequest, match="-1128"):  # fromId excludes startTime
        await client.fetch_my_trades("BTC/USDT", since=T0, params={"fromId": 1})
    with pytest.raises(ccxt.BadRequest, match="-1127"):  # at most 24 h between the bounds
        await client.fetch_my_trades("BTC/USDT", since=T0, params={"until": T0 + 86_400_001})
    latest = await client.fetch_my_trades("BTC/USDT", limit=3)  # no bounds: most recent
    assert [int(t["id"]) for t in latest] == [8, 9, 10]


async def test_partial_fills_symbols_and_bnb_fees(
    make_account: MakeAccount, make_client: MakeClient
) -> None:
    fill = {"symbol": "ETHUSDT", "orderId": 77, "isBuyer": True, "commissionAsset": "BNB"}
    key, secret = await make_account(
        trades=[
            {**fill, "price": "3000.00", "qty": "0.5", "commission": "0.002", "time": T0},
            {**fill, "price": "3001.00", "qty": "0.3", "commission": "0.0012", "time": T0 + 5},
            {**fill, "price": "3002.00", "qty": "0.2", "commission": "0.0008", "time": T0 + 9},
            {
                "symbol": "BNBBTC",
                "price": "0.010000",
                "qty": "1",
                "isBuyer": False,
                "time": T0 + 60,
            },
        ]
    )
    client = make_client(key, secret)
    eth = await client.fetch_my_trades("ETH/USDT")
    assert [t["order"] for t in eth] == ["77"] * 3
    assert eth[1]["fee"] == {"cost": 0.0012, "currency": "BNB"}
    assert eth[0]["info"]["quoteQty"] == "1500.00000000"  # filled in as price * qty
    (order,) = await client.fetch_orders("ETH/USDT")
    assert (order["id"], order["status"], order["side"]) == ("77", "closed", "buy")
    assert order["filled"] == 1.0 and order["cost"] == pytest.approx(3000.7)
    (bnb,) = await client.fetch_my_trades("BNB/BTC")
    assert bnb["side"] == "sell" and bnb["fee"]["currency"] == "BTC"  # default: asset received


async def test_bnb_price_at_fill_time_is_deterministic(make_client: MakeClient) -> None:
    client = make_client("unused", "unused")
    fill_time = T0 + 17 * 60_000 + 4_321
    first = await client.fetch_ohlcv("BNB/USDT", "1m", since=fill_time // 60_000 * 60_000, limit=1)
    again = await client.fetch_ohlcv("BNB/USDT", "1m", since=fill_time // 60_000 * 60_000, limit=1)
    assert first == again and first[0][0] == T0 + 17 * 60_000
    assert 590 < first[0][1] < 610  # around BNB's base price of 600
    hourly = await client.fetch_ohlcv("BNB/USDT", "1h", since=T0, limit=24)
    assert [c[0] for c in hourly] == [T0 + h * 3_600_000 for h in range(24)]


async def test_pinned_ticker_price(control: httpx.AsyncClient, make_client: MakeClient) -> None:
    response = await control.post("/_emulator/prices", json={"SOL/USDT": "123.45"})
    assert response.json() == {"SOLUSDT": "123.45000000"}
    prices = await make_client("unused", "unused").fetch_last_prices(["SOL/USDT"])
    assert prices["SOL/USDT"]["price"] == 123.45


async def test_clock_skew(make_client: MakeClient) -> None:
    # Binance accepts a timestamp up to 1000 ms ahead of its clock and up to recvWindow
    # (ccxt sends 10000) behind it. Emulator 3 s behind = client 3 s ahead.
    async with running(clock_offset_ms=-3_000) as url, httpx.AsyncClient(base_url=url) as http:
        key, secret = await create_account(http, balances={"BTC": "1"})
        naive = make_client(key, secret, url)
        naive.options["adjustForTimeDifference"] = False
        with pytest.raises(ccxt.InvalidNonce):
            await naive.fetch_balance()
        adjusted = make_client(key, secret, url)  # the factory's default
        assert (await adjusted.fetch_balance())["BTC"]["free"] == 1.0

        # Emulator 15 s ahead: the request is older than ccxt's 10 s recvWindow.
        await http.post("/_emulator/clock", json={"offset_ms": 15_000})
        with pytest.raises(ccxt.InvalidNonce, match="recvWindow"):
            await adjusted.fetch_balance()  # its time difference is stale now
        await adjusted.load_time_difference()
        assert (await adjusted.fetch_balance())["BTC"]["free"] == 1.0


async def test_bad_secret_and_revoked_key(
    control: httpx.AsyncClient, make_account: MakeAccount, make_client: MakeClient
) -> None:
    key, secret = await make_account(balances={"USDT": "1"})
    with pytest.raises(ccxt.AuthenticationError, match="-1022"):
        await make_client(key, "not-the-secret").fetch_balance()
    used = make_client(key, secret)
    await used.fetch_balance()
    assert (await control.delete(f"/_emulator/accounts/{key}")).status_code == 204
    with pytest.raises(ccxt.AuthenticationError, match="-2015"):
        await make_client(key, secret).fetch_balance()
    # ccxt quirk worth knowing: after one successful private call it reads -2015 as a
    # temporary ban (DDoSProtection), not as a revoked key.
    with pytest.raises(ccxt.DDoSProtection, match="-2015"):
        await used.fetch_balance()


async def test_rate_limit(make_client: MakeClient) -> None:
    async with running(rate_limit_per_minute=3) as url:
        client = make_client("unused", "unused", url)
        client.options["adjustForTimeDifference"] = False
        await client.load_markets()  # 1
        await client.fetch_time()  # 2
        await client.fetch_time()  # 3
        with pytest.raises(ccxt.DDoSProtection, match="-1003"):  # RateLimitExceeded is a subclass
            await client.fetch_time()


async def test_raw_binance_errors(control: httpx.AsyncClient, make_account: MakeAccount) -> None:
    key, secret = await make_account()

    def signed(query: str) -> str:
        query = f"{query}&timestamp={int(time.time() * 1000)}".lstrip("&")
        digest = hmac.new(secret.encode(), query.encode(), hashlib.sha256).hexdigest()
        return f"{query}&signature={digest}"

    headers = {"X-MBX-APIKEY": key}
    missing = await control.get(f"/api/v3/myTrades?{signed('')}", headers=headers)
    assert (missing.status_code, missing.json()["code"]) == (400, -1102)
    ok = await control.get(f"/api/v3/myTrades?{signed('symbol=BTCUSDT')}", headers=headers)
    assert (ok.status_code, ok.json()) == (200, [])
    unknown = await control.get(
        "/api/v3/account?timestamp=1&signature=x", headers={"X-MBX-APIKEY": "nobody"}
    )
    assert (unknown.status_code, unknown.json()["code"]) == (401, -2015)
    assert (await control.get("/api/v3/klines?symbol=BTCUSDT&interval=7m")).json()["code"] == -1120
