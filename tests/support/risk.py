"""Helpers for the risk tests: IP lists on disk, overdue shares, unique identifiers."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from db import standing
from db.audited import audited
from db.risk import settings_store
from domain.ladder import Level
from domain.risk import DEFAULT_FRAUD_SETTINGS, FraudSettings, list_file
from runtime.deps import Deps
from services.risk.intel import list_path
from tests.support.records import bare_share

# Documentation addresses (RFC 5737), one per list; CLEAN_IP is on none of them.
LISTED = {
    "tor": "192.0.2.70",
    "proxy": "192.0.2.130",
    "vpn": "198.51.100.7",
    "datacenter": "198.51.100.200",
}
LISTS = {
    "tor": ["192.0.2.64/27"],
    "proxy": ["192.0.2.128/26"],
    "vpn": ["198.51.100.0/25"],
    "datacenter": ["198.51.100.128/25"],
}
CLEAN_IP = "203.0.113.7"


def write_lists(directory: Path, *, as_of: date) -> Path:
    for kind, entries in LISTS.items():
        path = list_path(directory, kind)  # type: ignore[arg-type]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(list_file(entries, as_of=as_of, source="test"))
    return directory


def uid(prefix: str = "u") -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def unique_ip() -> str:
    """A private address no list holds and no other test uses (IP velocity is global)."""
    n = uuid.uuid4().int
    return f"10.{n % 256}.{(n >> 8) % 256}.{(n >> 16) % 254 + 1}"


async def overdue_share(
    deps: Deps,
    user_id: str,
    *,
    amount_due: Decimal,
    level: Level = Level.LOCKED,
    currency: str = "USDT",
) -> str:
    """An open share at `level`, recorded long enough ago for its discount to have lapsed."""
    recorded = datetime.now(UTC) - timedelta(days=31)
    async with deps.sessions.begin() as s:
        await standing.ensure_user(s, deps.hasher, user_id, deps.policy.trust)
        share = await bare_share(
            s,
            deps.cipher,
            user_id,
            status="open",
            level=int(level),
            currency=currency,
            billing_currency=currency,
            reported_profit_enc=deps.cipher.encrypt(str(amount_due / Decimal("0.15"))),
            billed_amount_enc=deps.cipher.encrypt(str(amount_due)),
            amount_paid_enc=deps.cipher.encrypt("0"),
            amount_due_enc=deps.cipher.encrypt(str(amount_due)),
            recorded_at=recorded,
            discount_until=recorded + timedelta(days=3),
            due_at=recorded + timedelta(days=7),
        )
        await s.flush()
        await standing.recompute(s, deps.hasher, user_id, deps.policy.trust)
    return share.event_id


async def verified_profits(deps: Deps, user_id: str, profits: list[str]) -> None:
    """Past shares of `user_id` with these verified profits (the user's history)."""
    async with deps.sessions.begin() as s:
        await standing.ensure_user(s, deps.hasher, user_id, deps.policy.trust)
        for profit in profits:
            await bare_share(
                s,
                deps.cipher,
                user_id,
                status="paid",
                currency="USDT",
                reported_profit_enc=deps.cipher.encrypt(profit),
                verified_profit_enc=deps.cipher.encrypt(profit),
            )


async def save_fraud_settings(deps: Deps, settings: FraudSettings, note: str = "test") -> int:
    async with audited(
        deps.sessions, deps.auditor, actor="system:test", partition=settings_store.SUBJECT
    ) as a:
        saved = await settings_store.save(a, settings, note=note, at=datetime.now(UTC))
    return saved.version


async def restore_default_fraud_settings(deps: Deps) -> None:
    """The settings table is shared by the whole session: leave the defaults in force."""
    async with deps.sessions() as s:
        in_force = await settings_store.current(s)
    if in_force.settings != DEFAULT_FRAUD_SETTINGS:
        await save_fraud_settings(deps, DEFAULT_FRAUD_SETTINGS, "test teardown")
