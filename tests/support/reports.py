"""Stored reports, generated the way the scheduled report workflow's activity does."""

from __future__ import annotations

from datetime import UTC, datetime

from activities import contracts as c
from activities.reports import ReportActivities


async def overdue_report(deps) -> c.ReportSummary:
    return await ReportActivities(deps.sessions, deps.cipher, deps.policy).generate_report(
        c.GenerateReportInput(kind="overdue", as_of=datetime.now(UTC))
    )
