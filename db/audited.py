"""`audited(...)`: the one way to make an audited change.

    async with audited(deps.sessions, deps.auditor, actor=actor, partition=user_id) as a:
        share = await a.share(event_id)          # row lock, after the chain's
        if not await a.record("share.waived", subject=event_id, key=...):
            return                               # done before: change nothing
        share.status = "waived"
        a.changed(share)                         # sealed when the block ends
        a.restanding(user_id)                    # standing recomputed when the block ends

Inside the block, in this order and in one transaction: the head row of the partition's audit
chain is locked first (db/audit.py), then the rows the block asks for; the entry is written
once per idempotency key; on leaving the block every share marked changed is sealed and every
user marked has their standing recomputed. An exception rolls all of it back.

`partition` is the user the change is about (all rows of a user are only written under that
user's chain, which is what keeps the lock order deadlock-free), or the subject when there is
no user (fraud settings, tokens, ops alerts).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db import audit, standing
from db.audit import Actor, Auditor
from db.models import Share, User
from db.shares import seal
from domain.policy import TrustPolicy


class Audit:
    """An open audited change: the session, its chain held, what to seal and recompute."""

    def __init__(self, session: AsyncSession, auditor: Auditor, actor: Actor | str) -> None:
        self.session = session
        self.auditor = auditor
        self.cipher = auditor.cipher
        self.hasher = auditor.hasher
        self.actor = actor
        self.levels: dict[str, tuple[int, int]] = {}
        self._sealing: dict[int, Share] = {}
        self._standing: dict[str, dict[str, Any]] = {}

    @property
    def actor_name(self) -> str:
        """The actor as stored beside a row it changed (set_by, dismissed_by columns)."""
        return self.actor.render() if isinstance(self.actor, Actor) else self.actor

    async def locked(self, statement: Select[Any]) -> Any:
        """The first row of `statement`, locked for the rest of the change (or None)."""
        return await self.session.scalar(statement.with_for_update())

    async def share(self, event_id: str) -> Share | None:
        return await self.locked(select(Share).where(Share.event_id == event_id))

    async def user(self, user_id: str) -> User | None:
        """The user's row, locked; their standing is recomputed and resealed at the end."""
        user = await self.locked(select(User).where(User.id == user_id))
        if user is not None:
            self._standing.setdefault(user_id, {"reason": "", "at": None})
        return user

    async def record(
        self,
        action: str,
        *,
        subject: str,
        key: str,
        details: dict | None = None,
        at: datetime | None = None,
        actor: Actor | str | None = None,
        unless_key: str | None = None,
    ) -> bool:
        """The entry, once per `key`: False when it exists (the change was made before), or
        when an entry holds `unless_key` (the same change under an older form of its key)."""
        return await audit.append(
            self.session,
            self.auditor,
            at=at or datetime.now(UTC),
            actor=actor or self.actor,
            action=action,
            subject=subject,
            key=key,
            details=details,
            unless_key=unless_key,
        )

    async def record_share(
        self, action: str, event_id: str, step: str, *, at: datetime, details: dict | None = None
    ) -> bool:
        """A ledger entry about a share: its subject the event id, its key "<event id>:<step>"
        (each step of a share is recorded once, however often its activity runs)."""
        return await self.record(
            action, subject=event_id, key=f"{event_id}:{step}", details=details, at=at
        )

    def changed(self, share: Share) -> None:
        """The share is sealed (and its updated_at set) when the block ends."""
        self._sealing[id(share)] = share

    @property
    def trust(self) -> TrustPolicy:
        """The configured trust policy (start, min_to_trade) standings are judged by."""
        if self.auditor.trust is None:
            raise RuntimeError("this change recomputes a standing: build the Auditor with trust")
        return self.auditor.trust

    def restanding(self, user_id: str, *, reason: str = "", at: datetime | None = None) -> None:
        """The user's standing is recomputed when the block ends."""
        self._standing[user_id] = {"reason": reason, "at": at}

    async def finish(self) -> None:
        for share in self._sealing.values():
            share.updated_at = func.now()
            seal(share, self.cipher, self.hasher)
        self._sealing.clear()
        for user_id, how in self._standing.items():
            self.levels[user_id] = await standing.recompute(
                self.session, self.hasher, user_id, self.trust, **how
            )
        self._standing.clear()


@asynccontextmanager
async def audited(
    sessions: async_sessionmaker[AsyncSession],
    auditor: Auditor,
    *,
    actor: Actor | str,
    partition: str,
) -> AsyncIterator[Audit]:
    """A transaction holding `partition`'s audit chain; see the module docstring."""
    async with sessions.begin() as s, audited_in(s, auditor, actor=actor, partition=partition) as a:
        yield a


@asynccontextmanager
async def audited_share(
    sessions: async_sessionmaker[AsyncSession],
    auditor: Auditor,
    *,
    actor: Actor | str,
    user_id: str,
    event_id: str,
) -> AsyncIterator[tuple[Audit, Share]]:
    """`audited(...)` in the share's user's partition, with the share's row locked.

    Raises:
        LookupError: there is no such share.
    """
    async with audited(sessions, auditor, actor=actor, partition=user_id) as a:
        share = await a.share(event_id)
        if share is None:
            raise LookupError(f"share {event_id} not opened")
        yield a, share


@asynccontextmanager
async def audited_in(
    session: AsyncSession, auditor: Auditor, *, actor: Actor | str, partition: str
) -> AsyncIterator[Audit]:
    """The same, inside a transaction the caller began (and commits)."""
    await audit.lock_chain(session, partition)
    a = Audit(session, auditor, actor)
    try:
        yield a
        await a.finish()
    finally:
        audit.release(session)
