"""The share workflows' client for a request: methods, not signal names (workflows/share_client).

Routes commit their transaction first and message the workflow after, so no database lock is
held across a network call; a closed share is a 409, Temporal unreachable a 503 (RPCError).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import Request
from temporalio.service import RPCError

from api.errors import ApiError
from workflows.share_client import ShareClient, ShareClosed

log = structlog.get_logger()


async def share_client(request: Request) -> ShareClient:
    client = await request.app.state.temporal()
    return ShareClient(client, request.app.state.settings.task_queue)


async def standing_changed(request: Request, user_id: str) -> None:
    """After a committed standing change: the user's delivery workflow tells the backend now.

    Temporal unreachable does not fail the request: the change is in the outbox, and the next
    delivery for this user (any later change, or a share's stage) carries it.
    """
    try:
        await (await share_client(request)).standing_changed(user_id)
    except RPCError as err:
        log.warning("standing delivery not started", user_id=user_id, error=str(err))


@asynccontextmanager
async def closed_is_409() -> AsyncIterator[None]:
    try:
        yield
    except ShareClosed as err:
        raise ApiError(409, str(err)) from err
