"""Realistic load: one user per event, each with an exchange account and a profitable session.

Seeding happens before any clock starts: the trades go to the emulator, the account is
registered through the API (as the backend does), and the event body is kept for intake.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx

from benchmarks.load import bounded, say
from cli.demo import PROFIT, session_trades


def backend_headers(settings) -> dict[str, str]:
    token = next(t for role, t in settings.bootstrap_token_pairs() if role == "backend")
    return {"Authorization": f"Bearer {token}"}


async def _seed_one(api: httpx.AsyncClient, emulator: httpx.AsyncClient, event_id: str) -> dict:
    suffix = uuid.uuid4().hex
    user_id, api_key, api_secret = f"u_{event_id}", f"bench-key-{suffix}", f"secret-{suffix}"
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=50)
    seeded = await emulator.post(
        "/_emulator/accounts",
        json={
            "api_key": api_key,
            "api_secret": api_secret,
            "balances": {"USDT": "50000"},
            "trades": session_trades(int(start.timestamp() * 1000)),
        },
    )
    seeded.raise_for_status()
    registered = await api.post(
        f"/v1/users/{user_id}/exchange-accounts",
        json={"exchange": "binance", "api_key": api_key, "api_secret": api_secret},
    )
    registered.raise_for_status()
    return {
        "event_id": event_id,
        "user_id": user_id,
        "account_id": registered.json()["account_id"],
        "exchange": "binance",
        "session_id": f"s_{event_id}",
        "session_start": start.isoformat(),
        "session_end": (start + timedelta(minutes=45)).isoformat(),
        "symbols": ["BTC/USDT"],
        "positions_count": 1,
        "reported_profit": str(PROFIT),
        "currency": "USDT",
        "ip": "203.0.113.7",
        "device_fingerprint": f"fp_{suffix[:12]}",
    }


async def seed_events(api: httpx.AsyncClient, emulator_url: str, tag: str, n: int) -> list[dict]:
    """`n` profit-event bodies with ids `evt_{tag}_{i}`, their sessions on the emulator."""
    say(f"seeding {n} sessions and exchange accounts ({tag})")
    async with httpx.AsyncClient(base_url=emulator_url, timeout=60) as emulator:
        return await bounded(
            (f"evt_{tag}_{i:05d}" for i in range(n)), lambda eid: _seed_one(api, emulator, eid)
        )
