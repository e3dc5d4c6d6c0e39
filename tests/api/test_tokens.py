"""API tokens created with the CLI's functions: hashed at rest, role-bound, revocable."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select

from api.app import create_app
from api.auth import TokenStore
from db import audit, tokens
from db.models import ApiToken
from tests.support.api import in_process


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def _issue(deps, role: str, **options) -> tokens.IssuedToken:
    return await tokens.issue(deps.sessions, deps.auditor, role, label="test", **options)


async def _revoke(deps, token_id: int) -> bool:
    return await tokens.withdraw(deps.sessions, deps.auditor, token_id)


async def test_only_a_hash_of_the_token_is_stored(deps):
    issued = await _issue(deps, "backend")
    async with deps.sessions() as s:
        row = await s.scalar(select(ApiToken).where(ApiToken.id == issued.id))
    assert row.token_hash == hashlib.sha256(issued.token.encode()).hexdigest()
    assert issued.token not in repr([row.role, row.token_hash, row.label])


async def test_revocation_takes_effect_once_the_short_cache_lapses(deps):
    clock = Clock()
    store = TokenStore([], ttl=1.0, clock=clock)
    issued = await _issue(deps, "ops")
    assert await store.role_of(issued.token, deps.sessions) == "ops"
    assert await _revoke(deps, issued.id)
    assert not await _revoke(deps, issued.id), "revoking twice is a no-op"
    clock.now += 0.5  # still within the second the answer may be reused
    assert await store.role_of(issued.token, deps.sessions) == "ops"
    clock.now += 0.6
    assert await store.role_of(issued.token, deps.sessions) is None


async def test_a_database_token_carries_its_role_through_the_api(settings, deps):
    app = create_app(settings, deps=deps)
    clock = Clock()
    app.state.tokens = TokenStore(settings.bootstrap_token_pairs(), clock=clock)
    ops = await _issue(deps, "ops")
    auth = {"Authorization": f"Bearer {ops.token}"}
    async with in_process(app) as api:
        assert (await api.get("/v1/shares/evt_none", headers=auth)).status_code == 404
        assert (await api.post("/v1/profit-events", json={}, headers=auth)).status_code == 403
        await _revoke(deps, ops.id)
        clock.now += 2
        response = await api.get("/v1/shares/evt_none", headers=auth)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthorized"
        # Bootstrap tokens from the settings keep working alongside.
        ok = await api.get("/v1/shares/evt_none", headers={"Authorization": "Bearer test-ops"})
        assert ok.status_code == 404


async def test_an_expired_token_gets_401(settings, deps):
    app = create_app(settings, deps=deps)
    app.state.tokens = TokenStore([])
    soon = await _issue(deps, "ops", expires_at=datetime.now(UTC) + timedelta(hours=1))
    gone = await _issue(deps, "ops", expires_at=datetime.now(UTC) - timedelta(seconds=1))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as api:
        for issued, status in ((soon, 404), (gone, 401)):
            auth = {"Authorization": f"Bearer {issued.token}"}
            assert (await api.get("/v1/shares/evt_none", headers=auth)).status_code == status


async def test_creating_and_revoking_a_token_is_audited(deps):
    issued = await _issue(deps, "admin")
    await _revoke(deps, issued.id)
    async with deps.sessions() as s:
        entries = await audit.entries_for(s, f"token/{issued.id}")
    assert [(e.action, e.actor) for e in entries] == [
        ("token.created", "system:cli"),
        ("token.revoked", "system:cli"),
    ]
