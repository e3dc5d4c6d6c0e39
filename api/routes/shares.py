"""GET /v1/shares/{event_id}: the Share view, read from Postgres."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from api.auth import require
from api.deps import AppDeps
from api.errors import ApiError
from db.engine import autocommit
from db.shares import load_view
from domain.models import ShareView
from domain.types import Identifier

router = APIRouter(tags=["shares"])


@router.get(
    "/v1/shares/{event_id}",
    response_model=ShareView,
    dependencies=[Depends(require("backend", "ops"))],
)
async def get_share(event_id: Identifier, deps: AppDeps) -> JSONResponse:
    async with deps.sessions() as s:
        await autocommit(s)  # one statement (db/shares.WHOLE_SHARE): no transaction around it
        view = await load_view(s, deps.cipher, event_id)
    if view is None:
        raise ApiError(404, f"no share for event {event_id}")
    return JSONResponse(view.model_dump(mode="json"))
