"""The inventory through the API: holdings snapshotted at registration, review decisions."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest
from sqlalchemy import select

from activities.exchange.clients import POOL as CLIENTS
from activities.exchange.holdings import snapshot_holdings
from db import inventory as books
from db.models import AuditEntry, ExchangeAccount, InventorySession
from tests.support.api import ADMIN, BACKEND, OPS
from tests.support.audit import details
from tests.support.scenario import eventually, profit_event, round_trip, seed_emulator_account


async def _register(api, emulator_url: str, balances: dict[str, str]) -> tuple[str, str, dict]:
    key, secret = f"key-{uuid.uuid4().hex}", uuid.uuid4().hex * 2
    async with httpx.AsyncClient(base_url=emulator_url) as http:
        body = {"api_key": key, "api_secret": secret, "balances": balances, "trades": []}
        (await http.post("/_emulator/accounts", json=body)).raise_for_status()
    user = f"u_{uuid.uuid4().hex[:10]}"
    response = await api.post(
        f"/v1/users/{user}/exchange-accounts",
        json={"exchange": "binance", "api_key": key, "api_secret": secret},
        headers=BACKEND,
    )
    assert response.status_code == 201, response.text
    return user, key, response.json()


async def test_registration_says_which_holdings_became_opening_lots(api, deps, emulator_url):
    _, _, answer = await _register(api, emulator_url, {"USDT": "2500", "ETH": "2", "BTC": "0.5"})
    holdings = answer["holdings"]
    assert holdings["taken"] and holdings["quote"] == "USDT"
    assert Decimal(holdings["cash"]) == Decimal("2500")
    assert sorted(holdings["assets"]) == ["BTC", "ETH"]
    for asset in holdings["assets"].values():
        assert Decimal(asset["value"]) == Decimal(asset["quantity"]) * Decimal(asset["price"])
    async with deps.sessions() as s:
        book = await books.read_book(s, deps.cipher, answer["account_id"])
    assert {(lot.asset, lot.quantity) for lot in book.lots} == {
        ("BTC", Decimal("0.5")),
        ("ETH", Decimal("2")),
    }
    assert book.balances == {"USDT": Decimal("2500"), "ETH": Decimal("2"), "BTC": Decimal("0.5")}


async def test_an_unreadable_exchange_still_registers_the_account(api):
    response = await api.post(
        f"/v1/users/u_{uuid.uuid4().hex[:8]}/exchange-accounts",
        json={"exchange": "binance", "api_key": "not-on-the-exchange", "api_secret": "x" * 16},
        headers=BACKEND,
    )
    assert response.status_code == 201
    holdings = response.json()["holdings"]
    assert not holdings["taken"] and "AuthenticationError" in holdings["note"]


@pytest.mark.parametrize(
    ("api_key", "api_secret"),
    [("abcdefgh\nX: y", "s" * 16), ("abcd\u0000efgh", "s" * 16), ("abcdefgh", "s\u0000" * 8)],
)
async def test_a_credential_with_a_control_character_is_422_and_saves_nothing(
    api, deps, api_key, api_secret
):
    """The key goes into an HTTP header: aiohttp refused it only after the account was
    committed, and the answer was a bare 500 (a retry then said 200, holdings never read)."""
    user = f"u_{uuid.uuid4().hex[:10]}"
    response = await api.post(
        f"/v1/users/{user}/exchange-accounts",
        json={"exchange": "binance", "api_key": api_key, "api_secret": api_secret},
        headers=BACKEND,
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "invalid"
    assert "\u0000" not in response.text and "X: y" not in response.text  # never echoed
    async with deps.sessions() as s:
        saved = await s.scalars(select(ExchangeAccount).where(ExchangeAccount.user_id == user))
        assert list(saved) == []


async def test_an_exchange_read_failing_outside_ccxt_still_registers_the_account(deps):
    class Refusing:  # what aiohttp raised for a header it would not send
        async def load_markets(self) -> None:
            raise ValueError("Forbidden control character detected in headers")

        async def close(self) -> None:
            pass

    snapshot = await snapshot_holdings(
        deps.sessions,
        deps.auditor,
        account_id="acc_refusing",
        api_key="k" * 16,
        api_secret="s" * 16,
        base_url=None,
        client_factory=lambda **_: Refusing(),
    )
    assert not snapshot.taken and "ValueError" in snapshot.note


async def test_an_approved_review_moves_the_lots_and_is_audited(api, worker, deps, emulator_url):
    user, key, answer = await _register(api, emulator_url, {"USDT": "100000"})
    now = datetime.now(UTC)
    async with httpx.AsyncClient(base_url=emulator_url) as http:
        trade = {"symbol": "BTCUSDT", "price": "50000", "qty": "1", "isBuyer": True}
        trade |= {"commission": "0", "commissionAsset": "USDT"}
        added = await http.post(f"/_emulator/accounts/{key}/trades", json={"trades": [trade]})
        added.raise_for_status()
    event_id = f"evt_{uuid.uuid4().hex[:12]}"
    event = {
        "event_id": event_id,
        "user_id": user,
        "account_id": answer["account_id"],
        "exchange": "binance",
        "session_id": "s_1",
        "session_start": (now - timedelta(minutes=10)).isoformat(),
        "session_end": (now + timedelta(seconds=1)).isoformat(),
        "symbols": ["BTC/USDT"],
        "positions_count": 2,  # the fills show 1: held for review
        "reported_profit": "0",
        "currency": "USDT",
    }
    assert (await api.post("/v1/profit-events", json=event, headers=BACKEND)).status_code == 202

    async def held():
        share = (await api.get(f"/v1/shares/{event_id}", headers=OPS)).json()
        return share if share.get("status") == "under_review" else None

    share = await eventually(held, timeout=30)
    assert share["review_reasons"] == ["positions_count_mismatch"]
    assert share["verification"]["details"] == {
        "positions_count_mismatch": "reported 2, the fills show 1"
    }
    assert set(share["verification"]["inputs"]) == {"fifo", "average_cost", "cash_flow"}
    async with deps.sessions() as s:
        assert (await books.read_book(s, deps.cipher, answer["account_id"])).lots == ()

    decision = {"decision": "approve", "note": "one position, two orders"}
    response = await api.post(f"/v1/admin/shares/{event_id}/review", json=decision, headers=ADMIN)
    assert response.status_code == 202
    async with deps.sessions() as s:
        book = await books.read_book(s, deps.cipher, answer["account_id"])
        state = await s.scalar(
            select(InventorySession.state).where(InventorySession.event_id == event_id)
        )
        entry = await s.scalar(
            select(AuditEntry).where(AuditEntry.idempotency_key == f"inventory:{event_id}:review")
        )
    assert state == "applied"
    assert [(lot.asset, lot.quantity, lot.price) for lot in book.lots] == [
        ("BTC", Decimal("1"), Decimal("50000"))
    ]
    assert entry is not None and entry.action == "inventory.review_applied"
    assert entry.actor.startswith("token::admin:bootstrap-")
    assert await details(deps, entry) == {"event_id": event_id, "from": "held", "to": "applied"}


async def test_events_in_reverse_order_are_verified_in_session_order(api, worker, emulator_url):
    user, key, answer = await _register(api, emulator_url, {"USDT": "100000"})
    start = datetime.now(UTC) - timedelta(minutes=10)
    async with httpx.AsyncClient(base_url=emulator_url) as http:
        between = None
        for side, price in (("buy", "50000"), ("sell", "52000")):
            trade = {"symbol": "BTCUSDT", "price": price, "qty": "1", "isBuyer": side == "buy"}
            trade |= {"commission": "0", "commissionAsset": "USDT"}
            added = await http.post(f"/_emulator/accounts/{key}/trades", json={"trades": [trade]})
            added.raise_for_status()
            await asyncio.sleep(0.01)
            between = between or (await http.get("/api/v3/time")).json()["serverTime"]
            await asyncio.sleep(0.01)
    assert between is not None
    mid = datetime.fromtimestamp(between / 1000, UTC)

    def event(name: str, begin: datetime, end: datetime, reported: str) -> dict:
        return {
            "event_id": f"evt_{name}_{key[-10:]}",
            "user_id": user,
            "account_id": answer["account_id"],
            "exchange": "binance",
            "session_id": name,
            "session_start": begin.isoformat(),
            "session_end": end.isoformat(),
            "symbols": ["BTC/USDT"],
            "positions_count": 1,
            "reported_profit": reported,
            "currency": "USDT",
        }

    a = event("a", start, mid, "0")
    b = event("b", mid + timedelta(milliseconds=1), mid + timedelta(minutes=6), "2000")
    for body in (b, a):  # the later session's event arrives first
        assert (await api.post("/v1/profit-events", json=body, headers=BACKEND)).status_code == 202

    async def final(event_id: str, status: str):
        share = (await api.get(f"/v1/shares/{event_id}", headers=OPS)).json()
        return share if share.get("status") == status else None

    await eventually(lambda: final(a["event_id"], "no_share"), timeout=60)
    share = await eventually(lambda: final(b["event_id"], "open"), timeout=60)
    assert (share["verified_profit"], share["share_amount"]) == ("2000.00", "300.00")


async def test_a_session_traded_before_registration_is_verified_once(api, worker, emulator_url):
    """The demo's order: trades first, then the account is registered, then the event."""
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    key, secret = await seed_emulator_account(
        emulator_url, round_trip(Decimal("1000"), start_ms=int(start.timestamp() * 1000))
    )
    user = f"u_{uuid.uuid4().hex[:10]}"
    response = await api.post(
        f"/v1/users/{user}/exchange-accounts",
        json={"exchange": "binance", "api_key": key, "api_secret": secret},
        headers=BACKEND,
    )
    assert response.status_code == 201 and response.json()["holdings"]["taken"]
    event = profit_event(user, response.json()["account_id"], start=start, reported=Decimal(1000))
    body = event.model_dump(mode="json")
    assert (await api.post("/v1/profit-events", json=body, headers=BACKEND)).status_code == 202

    async def opened():
        share = (await api.get(f"/v1/shares/{event.event_id}", headers=OPS)).json()
        return share if share.get("status") in ("open", "under_review") else None

    share = await eventually(opened, timeout=30)
    assert share["status"] == "open", share["review_reasons"]
    assert share["verification"]["methods"] == {
        "fifo": "1000.00",
        "average_cost": "1000.00",
        "cash_flow": "1000.00",
    }


async def test_registrations_borrow_one_pooled_client_and_leave_no_keys_on_it(
    api, emulator_url, monkeypatch
):
    """The API's snapshots borrow from the process's pool of exchange clients (a new ccxt
    client per registration was a third of its CPU): one client serves one registration
    after another, and none of a user's keys stays on it between them."""
    await CLIENTS.close()
    built: list[str] = []
    build = CLIENTS._build
    monkeypatch.setattr(CLIENTS, "_build", lambda **kw: built.append(kw["api_key"]) or build(**kw))
    for _ in range(3):
        _, _, answer = await _register(api, emulator_url, {"USDT": "100", "ETH": "1"})
        assert answer["holdings"]["taken"]
    assert len(built) == 1 and CLIENTS.idle() == 1
    (idle,) = [client for clients in CLIENTS._idle.values() for client in clients]
    assert idle.apiKey is None and idle.secret is None and idle.last_request_headers is None
