"""GET /v1/reports...: the generated ops reports, as JSON, CSV or an HTML page with a chart.

Reports are made by the report schedules (runtime/schedules.py) and stored in Postgres, so
every API replica serves the same ones; this router only reads them.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy import select

from api.auth import require
from api.deps import app_deps
from api.errors import ApiError
from db.models import Report
from domain.reports import ReportKind
from domain.types import Identifier
from runtime.schedules import SCHEDULES

router = APIRouter(tags=["reports"], dependencies=[Depends(require("ops"))])

Format = Literal["json", "csv", "html"]
# The pages carry no script and load nothing: forbid both outright.
_HTML_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


class ReportEntry(BaseModel):
    kind: ReportKind
    period: str
    as_of: datetime
    generated_at: datetime
    links: dict[str, str]


class ReportList(BaseModel):
    reports: list[ReportEntry]


@router.get("/v1/reports")
async def list_reports(
    request: Request,
    kind: ReportKind | None = None,
    limit: int = Query(50, ge=1, le=500),
) -> ReportList:
    """The stored reports, newest first."""
    query = select(Report).order_by(Report.generated_at.desc()).limit(limit)
    if kind is not None:
        query = query.where(Report.kind == kind)
    async with app_deps(request).sessions() as s:
        rows = list(await s.scalars(query))
    return ReportList(reports=[_entry(row) for row in rows])


@router.get("/v1/reports/overdue")
async def overdue(request: Request, format: Format = "json") -> Response:
    """Open shares past due, by level (and by days past due): the latest daily report."""
    return await _serve(request, "overdue", None, format)


@router.get("/v1/reports/{kind}/latest")
async def latest(kind: ReportKind, request: Request, format: Format = "json") -> Response:
    return await _serve(request, kind, None, format)


@router.get("/v1/reports/{kind}/{period}")
async def by_period(
    kind: ReportKind, period: Identifier, request: Request, format: Format = "json"
) -> Response:
    return await _serve(request, kind, period, format)


async def _serve(
    request: Request, kind: ReportKind, period: str | None, format: Format
) -> Response:
    deps = app_deps(request)
    query = select(Report).where(Report.kind == kind)
    query = (
        query.where(Report.period == period)
        if period is not None
        else query.order_by(Report.generated_at.desc()).limit(1)
    )
    async with deps.sessions() as s:
        row = await s.scalar(query)
    if row is None:
        raise ApiError(404, _missing(kind, period))
    if format == "csv":
        return Response(
            deps.cipher.decrypt(row.csv_enc),
            media_type="text/csv; charset=utf-8",
            headers={"content-disposition": f'attachment; filename="{kind}-{row.period}.csv"'},
        )
    if format == "html":
        return Response(
            deps.cipher.decrypt(row.html_enc),
            media_type="text/html; charset=utf-8",
            headers={"content-security-policy": _HTML_POLICY},
        )
    return JSONResponse(json.loads(deps.cipher.decrypt(row.json_enc)))


def _entry(row: Report) -> ReportEntry:
    base = f"/v1/reports/{row.kind}/{row.period}"
    return ReportEntry(
        kind=row.kind,  # type: ignore[arg-type]
        period=row.period,
        as_of=row.as_of,
        generated_at=row.generated_at,
        links={fmt: f"{base}?format={fmt}" for fmt in ("json", "csv", "html")},
    )


def _missing(kind: ReportKind, period: str | None) -> str:
    if period is not None:
        return f"no {kind} report for {period}"
    schedule = next(s.id for s in SCHEDULES if s.kind == kind)
    return (
        f"no {kind} report yet; the schedule {schedule} makes them "
        f"(run one now: temporal schedule trigger --schedule-id {schedule})"
    )
