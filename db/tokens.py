"""API tokens kept in api_tokens: only a SHA-256 of each token is stored, never the token.

A plain (unsalted, fast) hash is enough here: tokens are 192 random bits, not passwords, so
there is nothing to guess; the hash only keeps a database reader from using them.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.audit import Actor, Auditor
from db.audited import Audit, audited
from db.models import ApiToken
from db.seals import seal_row

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


# Token changes are audited in a chain of their own.
SUBJECT = "api-tokens"
# Tokens are made and revoked by an operator at the command line (who holds the database).
CLI = Actor("system", name="cli")


@dataclass(frozen=True)
class Identity:
    """Who a token is, for audit entries: bootstrap tokens have no id."""

    role: str
    token_id: int | None
    label: str | None


async def create(
    a: Audit, role: str, label: str | None = None, *, expires_at: datetime | None = None
) -> IssuedToken:
    """A new token, in the audited change `a` (partition SUBJECT)."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    token = new_token(role)
    row = ApiToken(role=role, token_hash=hash_token(token), label=label, expires_at=expires_at)
    a.session.add(row)
    await a.session.flush()
    seal_row(row, a.hasher)
    await a.record(
        "token.created",
        subject=f"token/{row.id}",
        key=f"token:{row.id}:created",
        details={"role": role, "label": label, "expires_at": expires_at},
    )
    return IssuedToken(id=row.id, role=role, token=token)


async def revoke(a: Audit, token_id: int) -> bool:
    """Revokes a token; False if there is no such token or it was revoked already."""
    row = await a.locked(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.revoked_at.is_(None))
    )
    if row is None:
        return False
    row.revoked_at = datetime.now(UTC)
    seal_row(row, a.hasher)
    await a.record("token.revoked", subject=f"token/{token_id}", key=f"token:{token_id}:revoked")
    return True


async def issue(
    sessions: async_sessionmaker[AsyncSession],
    auditor: Auditor,
    role: str,
    label: str | None = None,
    *,
    expires_at: datetime | None = None,
    actor: Actor = CLI,
) -> IssuedToken:
    """`create` in an audited change of its own."""
    async with audited(sessions, auditor, actor=actor, partition=SUBJECT) as a:
        return await create(a, role, label, expires_at=expires_at)


async def withdraw(
    sessions: async_sessionmaker[AsyncSession],
    auditor: Auditor,
    token_id: int,
    *,
    actor: Actor = CLI,
) -> bool:
    """`revoke` in an audited change of its own."""
    async with audited(sessions, auditor, actor=actor, partition=SUBJECT) as a:
        return await revoke(a, token_id)


async def active(session: AsyncSession, token_hash: str) -> Identity | None:
    """The token's identity if it is neither revoked nor expired."""
    row = (
        await session.execute(
            select(ApiToken.id, ApiToken.role, ApiToken.label).where(
                ApiToken.token_hash == token_hash,
                ApiToken.revoked_at.is_(None),
                or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > func.now()),
            )
        )
    ).one_or_none()
    return None if row is None else Identity(role=row.role, token_id=row.id, label=row.label)


async def active_role(session: AsyncSession, token_hash: str) -> str | None:
    found = await active(session, token_hash)
    return None if found is None else found.role


async def listing(session: AsyncSession) -> list[ApiToken]:
    return list(await session.scalars(select(ApiToken).order_by(ApiToken.id)))
