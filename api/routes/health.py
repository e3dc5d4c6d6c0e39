"""Liveness and readiness (DB and Temporal reachable)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from api.deps import app_deps

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    checks: dict[str, str] = {}
    try:
        async with app_deps(request).sessions() as s:
            await asyncio.wait_for(s.execute(text("SELECT 1")), timeout=2)
        checks["database"] = "ok"
    except Exception as err:  # any failure means "not ready", and says which
        checks["database"] = f"down: {type(err).__name__}"
    try:
        client = await asyncio.wait_for(request.app.state.temporal(), timeout=2)
        await asyncio.wait_for(client.service_client.check_health(), timeout=2)
        checks["temporal"] = "ok"
    except Exception as err:
        checks["temporal"] = f"down: {type(err).__name__}"
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ready" if ready else "not_ready", "checks": checks},
        status_code=200 if ready else 503,
    )
