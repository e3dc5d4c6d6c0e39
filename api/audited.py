"""An audited change from an admin route: who asks, when, in which chain.

A route takes `act: Acting` (after its `require(...)` check, which names the caller) and
opens `act.audited(partition)` or, for one share, `act.share(event_id)`; the console, which
calls the same route functions, passes `acting(request)` after its own session check.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import select

from api.auth import token_actor
from api.deps import app_deps
from api.errors import ApiError
from db.audit import Actor
from db.audited import Audit, audited, audited_share
from db.models import Share
from runtime.deps import Deps


@dataclass(frozen=True)
class Acting:
    """The clients, the caller (as the role check admitted it) and the moment of the request."""

    deps: Deps
    actor: Actor
    now: datetime

    def audited(self, partition: str) -> AbstractAsyncContextManager[Audit]:
        """`db.audited.audited(...)` in `partition`, by this caller."""
        deps = self.deps
        return audited(deps.sessions, deps.auditor, actor=self.actor, partition=partition)

    def share(self, event_id: str) -> AbstractAsyncContextManager[tuple[Audit, Share]]:
        """An audited change to one share, its row locked; 404 if there is none."""
        return share_audited(self.deps, event_id, self.actor)


def acting(request: Request) -> Acting:
    """Only after the route's role check: `require(...)` names the caller."""
    return Acting(app_deps(request), token_actor(request), datetime.now(UTC))


# Route dependencies run before parameter dependencies, so `dependencies=[require(...)]`
# has named the caller by the time this is built.
async def _resolved(request: Request) -> Acting:
    return acting(request)  # async: no thread-pool hop per request (see api/deps.py)


AppActing = Annotated[Acting, Depends(_resolved)]


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
