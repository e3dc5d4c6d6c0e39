"""Reading audit entries in tests: details are sealed under the audit data key."""

from __future__ import annotations

from db import audit
from db.models import AuditEntry
from runtime.deps import Deps


async def details(deps: Deps, entry: AuditEntry) -> dict:
    async with deps.sessions() as s:
        return await audit.details_of(s, deps.cipher, entry)
