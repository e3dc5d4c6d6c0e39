"""Signalling a share's workflow from a request: a closed workflow is a 409, not a 503."""

from __future__ import annotations

from fastapi import Request
from temporalio.service import RPCError, RPCStatusCode

from api.errors import ApiError
from workflows.ids import share_workflow_id


async def signal_share(request: Request, event_id: str, signal: str, arg: object) -> None:
    """Sends `signal`; callers do it inside their DB transaction so a failure rolls it back.

    Temporal unreachable raises RPCError, which the error handlers answer with 503.
    """
    client = await request.app.state.temporal()
    try:
        await client.get_workflow_handle(share_workflow_id(event_id)).signal(signal, arg)
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            raise ApiError(409, f"the share {event_id} is already closed") from err
        raise
