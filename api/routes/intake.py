"""POST /v1/profit-events: one profit event, one share workflow, however often it is sent.

The event is recorded, then its workflow started: by the API's starter (api/admission.py), a
window at a time, so the answer never waits on a backlog; or here, in an app without one.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel

from api.auth import require
from api.deps import AppDeps
from api.errors import ApiError
from api.signals import share_client
from db import intake
from db.engine import autocommit
from domain.models import ProfitEvent
from workflows.ids import share_workflow_id

router = APIRouter(tags=["intake"])


class Accepted(BaseModel):
    event_id: str
    workflow_id: str
    status_url: str


@router.post(
    "/v1/profit-events",
    status_code=202,
    dependencies=[Depends(require("backend"))],
    responses={200: {"model": Accepted, "description": "the same event again"}},
)
async def submit_profit_event(
    event: ProfitEvent, request: Request, deps: AppDeps, response: Response
) -> Accepted:
    fingerprint = event.fingerprint()
    # With the API's starter running (its lifespan), the event is queued and the answer does
    # not wait for Temporal; without it (an app given to tests) it is started here, as before.
    starter = getattr(request.app.state, "starter", None)
    async with deps.sessions() as s:
        await autocommit(s)
        try:
            before = await intake.record(
                s,
                event_id=event.event_id,
                user_id=event.user_id,
                account_id=event.account_id,
                fingerprint=fingerprint,
                body_enc=deps.cipher.encrypt(event.model_dump_json()),
                start_now=starter is None,
            )
        except intake.UnknownAccount:
            raise ApiError(
                422,
                "unknown exchange account for this user",
                details=[{"field": "account_id", "message": "not registered"}],
            ) from None
    started = False  # a new event is queued, when a starter runs
    if before is not None:
        if not event.matches(before.fingerprint):
            raise ApiError(409, "this event id was already used for a different event")
        response.status_code = 200
        started = before.started
    request.app.state.metrics.event_received("duplicate" if response.status_code == 200 else "new")
    if starter is not None and not started:
        starter.kick()
    else:
        # Started after the row commits; a retry after a failure here starts it then
        # (USE_EXISTING). A repeat of an event the starter started is one such retry.
        await start_share_workflow(request, event)
    return Accepted(
        event_id=event.event_id,
        workflow_id=share_workflow_id(event.event_id),
        status_url=f"/v1/shares/{event.event_id}",
    )


async def start_share_workflow(request: Request, event: ProfitEvent) -> None:
    await (await share_client(request)).start(event)
