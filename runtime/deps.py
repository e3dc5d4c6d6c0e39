"""The clients activities and routes need (database, ciphers, HTTP), built once per process."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from config.policy import load_policy
from config.settings import Settings
from db.audit import Auditor
from db.crypto import FieldCipher, RecordHasher
from db.engine import make_engine, make_sessionmaker
from domain.policy import Policy
from runtime.settings import MissingSetting, require

# MissingSetting and require live in runtime.settings; they are re-exported here because
# callers that build Deps usually catch the one and call the other.
__all__ = ["TIMEOUT", "Deps", "MissingSetting", "require"]

# Every outgoing call gives up after this; the activity fails and Temporal retries it.
TIMEOUT = httpx.Timeout(10.0, connect=5.0)


@dataclass
class Deps:
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    cipher: FieldCipher
    hasher: RecordHasher
    # The configured policy (PROFITSHARE_POLICY_*), loaded once per process with the rest.
    policy: Policy
    # Outgoing calls (payment links, notifications, webhooks, FX): one pool per process.
    http: httpx.AsyncClient = field(default_factory=lambda: httpx.AsyncClient(timeout=TIMEOUT))

    @classmethod
    def from_settings(cls, settings: Settings, *, pool_size: int = 10) -> Deps:
        policy = load_policy()  # first: a wrong figure stops the process before any pool opens
        engine = make_engine(require(settings.database_url, "DATABASE_URL"), pool_size=pool_size)
        return cls(
            engine=engine,
            sessions=make_sessionmaker(engine),
            cipher=FieldCipher.from_setting(require(settings.fernet_keys, "FERNET_KEYS")),
            hasher=RecordHasher(require(settings.hash_key, "HASH_KEY")),
            policy=policy,
        )

    @cached_property
    def auditor(self) -> Auditor:
        """Writes and checks audit entries (data-key cipher, chain key from HASH_KEY)."""
        return Auditor(self.cipher, self.hasher, trust=self.policy.trust)

    async def close(self) -> None:
        await self.http.aclose()
        await self.engine.dispose()
