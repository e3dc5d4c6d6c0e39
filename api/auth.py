"""Bearer tokens with roles (backend, ops, admin); tokens are kept only as SHA-256 hashes."""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.errors import ApiError
from db import tokens
from db.audit import Actor
from db.tokens import ROLES, Identity, hash_token

# admin may do all that ops may; nobody else inherits.
IMPLIED = {"admin": {"admin", "ops"}, "ops": {"ops"}, "backend": {"backend"}}
# How stale a database answer may be: a revoked token stops working within this, in every
# API process, without a database query on every request.
TOKEN_CACHE_SECONDS = 1.0
_CACHE_MAX = 10_000  # wrong tokens are cached too; a flood of them must not grow memory


class TokenStore:
    """Bootstrap tokens from the settings plus tokens created with `profitshare token create`."""

    def __init__(
        self,
        bootstrap: list[tuple[str, str]],
        *,
        ttl: float = TOKEN_CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        # A bootstrap token has no id; its label names it by a short, non-reversible digest.
        self._bootstrap = {
            hash_token(token): Identity(role, None, f"bootstrap-{hash_token(token)[:10]}")
            for role, token in bootstrap
            if role in ROLES
        }
        self._ttl, self._clock = ttl, clock
        self._cache: dict[str, tuple[float, Identity | None]] = {}

    async def identify(
        self, token: str, sessions: async_sessionmaker[AsyncSession]
    ) -> Identity | None:
        """Who the token is, or None if it is unknown, revoked or expired."""
        digest = hash_token(token)
        for known, identity in self._bootstrap.items():
            if hmac.compare_digest(known, digest):
                return identity
        now = self._clock()
        cached = self._cache.get(digest)
        if cached is not None and now < cached[0]:
            return cached[1]
        async with sessions() as s:
            found = await tokens.active(s, digest)
        if len(self._cache) >= _CACHE_MAX:
            self._cache.clear()
        self._cache[digest] = (now + self._ttl, found)
        return found

    async def role_of(self, token: str, sessions: async_sessionmaker[AsyncSession]) -> str | None:
        found = await self.identify(token, sessions)
        return None if found is None else found.role


async def authenticate(request: Request, token: str, roles: tuple[str, ...]) -> str:
    """Admits `token` if its role is one of `roles` (or implies one); the JSON routes (through
    `require`) and the admin console (through its session) both come here, so both record
    the same actor."""
    state = request.app.state
    who = await state.tokens.identify(token, state.deps.sessions)
    if who is None:
        raise ApiError(401, "the token is not valid")
    role = who.role
    if not any(r in IMPLIED[role] for r in roles):
        raise ApiError(403, f"this needs the role {' or '.join(roles)}")
    # Who did it, for audit trails: the token's id, label and role.
    request.state.actor = Actor("token", token_id=who.token_id, label=who.label, role=role)
    return role


def require(*roles: str) -> Callable[[Request], Coroutine[Any, Any, str]]:
    """A dependency admitting a bearer token of one of `roles` (or a role implying it)."""

    async def check(request: Request) -> str:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(401, "a bearer token is required")
        return await authenticate(request, token.strip(), roles)

    return check


def token_actor(request: Request) -> Actor:
    """The calling token (id, label, role), set by a `require(...)` dependency of the route."""
    return request.state.actor
