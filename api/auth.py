"""Bearer tokens with roles (backend, ops, admin); tokens are kept only as SHA-256 hashes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request
from sqlalchemy import select

from api.errors import ApiError
from db.models import ApiToken

ROLES = ("backend", "ops", "admin")
# admin may do all that ops may; nobody else inherits.
IMPLIED = {"admin": {"admin", "ops"}, "ops": {"ops"}, "backend": {"backend"}}


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token(role: str) -> str:
    return f"ps_{role}_{secrets.token_urlsafe(24)}"


class TokenStore:
    """Bootstrap tokens from the settings plus tokens created with `profitshare token create`."""

    def __init__(self, bootstrap: list[tuple[str, str]]) -> None:
        self._bootstrap = {hash_token(token): role for role, token in bootstrap if role in ROLES}

    async def role_of(self, request: Request, token: str) -> str | None:
        digest = hash_token(token)
        for known, role in self._bootstrap.items():
            if hmac.compare_digest(known, digest):
                return role
        async with request.app.state.deps.sessions() as s:
            row = await s.scalar(
                select(ApiToken).where(ApiToken.token_hash == digest, ApiToken.revoked_at.is_(None))
            )
        return row.role if row else None


def require(*roles: str) -> Callable[[Request], Coroutine[Any, Any, str]]:
    """A dependency admitting a bearer token of one of `roles` (or a role implying it)."""

    async def check(request: Request) -> str:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(401, "a bearer token is required")
        role = await request.app.state.tokens.role_of(request, token.strip())
        if role is None:
            raise ApiError(401, "the token is not valid")
        if not any(r in IMPLIED[role] for r in roles):
            raise ApiError(403, f"this needs the role {' or '.join(roles)}")
        # Who did it, for audit trails: the role and a short, non-reversible token id.
        request.state.actor = f"{role}:{hash_token(token.strip())[:10]}"
        return role

    return check


def token_actor(request: Request) -> str:
    """The caller as `role:token-id`, set by a `require(...)` dependency of the route."""
    return str(request.state.actor)
