"""Deposit and withdrawal history through unmodified ccxt, and the controls that move an account."""

from __future__ import annotations

import time

import httpx

from tests.support.emulator import MakeAccount, MakeClient

T0 = 1_767_225_600_000  # 2026-01-01T00:00:00Z


async def test_transfers_are_served_and_move_the_balances(
    make_account: MakeAccount, make_client: MakeClient, control: httpx.AsyncClient
) -> None:
    key, secret = await make_account(balances={"USDT": "1000", "BTC": "1"})
    deposit = {"coin": "USDT", "amount": "250.5", "time": T0 + 1_000}
    failed = {"coin": "USDT", "amount": "99", "time": T0 + 2_000, "status": 5}
    withdrawal = {"coin": "BTC", "amount": "0.4", "transactionFee": "0.0005", "time": T0 + 3_000}
    assert (
        await control.post(f"/_emulator/accounts/{key}/deposits", json=deposit)
    ).status_code == 201
    assert (
        await control.post(f"/_emulator/accounts/{key}/withdrawals", json=failed)
    ).status_code == 201
    assert (
        await control.post(f"/_emulator/accounts/{key}/withdrawals", json=withdrawal)
    ).status_code == 201
    client = make_client(key, secret)
    balance = await client.fetch_balance()
    assert balance["info"]["balances"] == [
        {"asset": "BTC", "free": "0.59950000", "locked": "0.00000000"},
        {"asset": "USDT", "free": "1250.50000000", "locked": "0.00000000"},
    ]
    [got] = await client.fetch_deposits(since=T0)
    assert (got["currency"], got["info"]["amount"], got["status"], got["timestamp"]) == (
        "USDT",
        "250.50000000",
        "ok",
        T0 + 1_000,
    )
    withdrawals = await client.fetch_withdrawals(since=T0)
    assert sorted(w["status"] for w in withdrawals) == ["failed", "ok"]
    done = next(w for w in withdrawals if w["status"] == "ok")
    assert (done["currency"], done["info"]["amount"], done["info"]["transactionFee"]) == (
        "BTC",
        "0.40000000",
        "0.00050000",
    )
    assert done["timestamp"] == T0 + 3_000  # applyTime, to the second
    assert await client.fetch_deposits(since=T0 + 5_000) == []


async def test_added_trades_continue_the_ids_and_settle_into_the_balances(
    make_account: MakeAccount, make_client: MakeClient, control: httpx.AsyncClient
) -> None:
    first = {"symbol": "BTCUSDT", "price": "50000", "qty": "1", "time": T0, "isBuyer": True}
    key, secret = await make_account(balances={"USDT": "100000"}, trades=[first])
    now = int(time.time() * 1000)
    row = {
        "symbol": "BTCUSDT",
        "price": "51000",
        "qty": "0.5",
        "isBuyer": False,
        "commission": "25.5",
        "commissionAsset": "USDT",
        "time": now,
    }
    response = await control.post(f"/_emulator/accounts/{key}/trades", json={"trades": [row]})
    assert response.status_code == 201
    # Only the added trade moves the balances: the seeded ones were history already.
    assert response.json()["balances"] == {"BTC": "-0.50000000", "USDT": "125474.50000000"}
    trades = await make_client(key, secret).fetch_my_trades("BTC/USDT", since=T0 - 1)
    assert [t["id"] for t in trades] == ["1"]
    later = await make_client(key, secret).fetch_my_trades("BTC/USDT", since=now - 1)
    assert [(t["id"], t["info"]["qty"]) for t in later] == [("2", "0.50000000")]
    hand = await control.post(f"/_emulator/accounts/{key}/balances", json={"USDT": "7"})
    assert hand.json()["balances"]["USDT"] == "7.00000000"
    missing = await control.post("/_emulator/accounts/nobody/balances", json={"USDT": "1"})
    assert missing.status_code == 404
