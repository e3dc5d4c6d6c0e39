"""The clients activities need, built once per worker process from the settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from config.settings import Settings
from db.audit import Auditor
from db.crypto import FieldCipher, RecordHasher
from db.engine import make_engine, make_sessionmaker

# Every outgoing call gives up after this; the activity fails and Temporal retries it.
TIMEOUT = httpx.Timeout(10.0, connect=5.0)


class MissingSetting(RuntimeError):
    pass


def require(value: object, name: str) -> str:
    if value is None:
        raise MissingSetting(f"PROFITSHARE_{name} is not set (./scripts/dev generates it)")
    return value.get_secret_value() if hasattr(value, "get_secret_value") else str(value)


@dataclass
class Deps:
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    cipher: FieldCipher
    hasher: RecordHasher
    # Outgoing calls (payment links, notifications, webhooks, FX): one pool per process.
    http: httpx.AsyncClient = field(default_factory=lambda: httpx.AsyncClient(timeout=TIMEOUT))

    @classmethod
    def from_settings(cls, settings: Settings, *, pool_size: int = 10) -> Deps:
        engine = make_engine(require(settings.database_url, "DATABASE_URL"), pool_size=pool_size)
        return cls(
            engine=engine,
            sessions=make_sessionmaker(engine),
            cipher=FieldCipher.from_setting(require(settings.fernet_keys, "FERNET_KEYS")),
            hasher=RecordHasher(require(settings.hash_key, "HASH_KEY")),
        )

    @cached_property
    def auditor(self) -> Auditor:
        """Writes and checks audit entries (data-key cipher, chain key from HASH_KEY)."""
        return Auditor(self.cipher, self.hasher)

    async def close(self) -> None:
        await self.http.aclose()
        await self.engine.dispose()
