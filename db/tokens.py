"""API tokens kept in api_tokens: only a SHA-256 of each token is stored, never the token.

A plain (unsalted, fast) hash is enough here: tokens are 192 random bits, not passwords, so
there is nothing to guess; the hash only keeps a database reader from using them.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ApiToken

ROLES = ("backend", "ops", "admin")


@dataclass(frozen=True)
class IssuedToken:
    id: int
    role: str
    token: str  # shown once, to whoever created it


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token(role: str) -> str:
    return f"ps_{role}_{secrets.token_urlsafe(24)}"


async def create(session: AsyncSession, role: str, label: str | None = None) -> IssuedToken:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    token = new_token(role)
    row = ApiToken(role=role, token_hash=hash_token(token), label=label)
    session.add(row)
    await session.flush()
    return IssuedToken(id=row.id, role=role, token=token)


async def revoke(session: AsyncSession, token_id: int) -> bool:
    """Revokes a token; False if there is no such token or it was revoked already."""
    revoked = await session.scalar(
        update(ApiToken)
        .where(ApiToken.id == token_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
        .returning(ApiToken.id)
    )
    return revoked is not None


async def active_role(session: AsyncSession, token_hash: str) -> str | None:
    return await session.scalar(
        select(ApiToken.role).where(
            ApiToken.token_hash == token_hash, ApiToken.revoked_at.is_(None)
        )
    )


async def listing(session: AsyncSession) -> list[ApiToken]:
    return list(await session.scalars(select(ApiToken).order_by(ApiToken.id)))
