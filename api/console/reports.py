"""Reports: the stored overdue, fraud and trust reports; each as its HTML page with the
chart, or CSV, served by the same functions as GET /v1/reports/..."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.console.render import page
from api.console.session import Refused, operator
from api.errors import ApiError
from api.routes.reports import by_period, list_reports
from domain.reports import ReportKind

router = APIRouter()
SHOWN = 100


@router.get("/admin/reports")
async def reports(request: Request) -> Response:
    who = await operator(request)
    found = await list_reports(request, kind=None, limit=SHOWN)
    return page(request, who, "reports.html", reports=found.reports)


@router.get("/admin/reports/{kind}/{period}.{fmt}")
async def report(kind: ReportKind, period: str, fmt: str, request: Request) -> Response:
    await operator(request)
    if fmt not in ("html", "csv"):
        raise Refused(404, f"no {fmt} form of a report")
    try:
        return await by_period(kind, period, request, format=fmt)  # type: ignore[arg-type]
    except ApiError as err:
        raise Refused(err.status, err.message) from None
