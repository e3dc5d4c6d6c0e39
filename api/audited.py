"""An audited change to one share from an admin route: its user's chain, then its row."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import select

from api.errors import ApiError
from db.audit import Actor
from db.audited import Audit, audited_share
from db.models import Share
from runtime.deps import Deps


@asynccontextmanager
async def share_audited(
    deps: Deps, event_id: str, actor: Actor
) -> AsyncIterator[tuple[Audit, Share]]:
    """`audited(...)` in the share's user's partition, with the share row locked; 404 if none."""
    async with deps.sessions() as s:  # a share's user never changes: read it unlocked
        user_id = await s.scalar(select(Share.user_id).where(Share.event_id == event_id))
    if user_id is None:
        raise ApiError(404, f"no share for event {event_id}")
    try:
        async with audited_share(
            deps.sessions, deps.auditor, actor=actor, user_id=user_id, event_id=event_id
        ) as (a, share):
            yield a, share
    except LookupError:
        raise ApiError(404, f"no share for event {event_id}") from None
