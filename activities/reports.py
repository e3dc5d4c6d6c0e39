"""The report activity: read the facts, aggregate them, store JSON, CSV and HTML in Postgres.

Reports live in Postgres rather than on a worker's disk so every API replica serves the same
ones. One row per kind and period: a retried activity, or a report triggered twice the same
day, replaces that period's row with the fresher figures instead of adding another.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from activities import contracts as c
from activities.reporting import facts, fraud, overdue, trust
from activities.reporting.layout import Rendered
from db.crypto import FieldCipher
from db.models import Report
from domain.policy import Policy
from domain.report_reviews import fraud_analysis, trust_review
from domain.reports import ReportKind, Window, overdue_report, report_window

Builder = Callable[
    [AsyncSession, FieldCipher, Window, datetime, Policy], Awaitable[tuple[Rendered, str]]
]


async def _overdue(
    s: AsyncSession, cipher: FieldCipher, window: Window, now: datetime, _: Policy
) -> tuple[Rendered, str]:
    due = await facts.open_shares_due_before(s, cipher, window.until)
    # The analysis and rendering are CPU work: off the event loop, so heartbeats and other
    # activities on this worker keep running while a large report is built.
    return await asyncio.to_thread(_overdue_cpu, due, window, now)


def _overdue_cpu(due: Any, window: Window, now: datetime) -> tuple[Rendered, str]:
    report = overdue_report(due, window.until)
    return overdue.render_overdue(report, window, now), overdue.headline(report)


async def _fraud(
    s: AsyncSession, cipher: FieldCipher, window: Window, now: datetime, _: Policy
) -> tuple[Rendered, str]:
    shares, blocked, alerts = await facts.fraud_facts(s, window.since, window.until)
    return await asyncio.to_thread(_fraud_cpu, shares, blocked, alerts, window, now)


def _fraud_cpu(
    shares: Any, blocked: Any, alerts: Any, window: Window, now: datetime
) -> tuple[Rendered, str]:
    analysis = fraud_analysis(shares, blocked, alerts, window.since, window.until)
    return fraud.render_fraud(analysis, window, now), fraud.headline(analysis)


async def _trust(
    s: AsyncSession, cipher: FieldCipher, window: Window, now: datetime, policy: Policy
) -> tuple[Rendered, str]:
    users, changes = await facts.trust_facts(s, cipher, window.since, window.until)
    return await asyncio.to_thread(_trust_cpu, users, changes, window, now, policy)


def _trust_cpu(
    users: Any, changes: Any, window: Window, now: datetime, policy: Policy
) -> tuple[Rendered, str]:
    review = trust_review(users, changes, window.since, window.until, policy)
    return trust.render_trust(review, window, now), trust.headline(review)


BUILDERS: dict[ReportKind, Builder] = {"overdue": _overdue, "fraud": _fraud, "trust": _trust}


class ReportActivities:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], cipher: FieldCipher, policy: Policy
    ) -> None:
        self._sessions = sessions
        self._cipher = cipher
        # The trust review's bands and threshold are the configured ones.
        self._policy = policy

    @activity.defn(name=c.GENERATE_REPORT)
    async def generate_report(self, cmd: c.GenerateReportInput) -> c.ReportSummary:
        window = report_window(cmd.kind, cmd.as_of)
        generated_at = datetime.now(UTC)
        async with self._sessions.begin() as s:
            rendered, headline = await BUILDERS[cmd.kind](
                s, self._cipher, window, generated_at, self._policy
            )
            stored = {
                "as_of": window.until,
                "generated_at": generated_at,
                "json_enc": self._cipher.encrypt(json.dumps(rendered.document)),
                "csv_enc": self._cipher.encrypt(rendered.csv),
                "html_enc": self._cipher.encrypt(rendered.html),
            }
            await s.execute(
                insert(Report)
                .values(kind=cmd.kind, period=window.period, **stored)
                .on_conflict_do_update(constraint="uq_report_period", set_=stored)
            )
        return c.ReportSummary(
            kind=cmd.kind,
            period=window.period,
            as_of=window.until,
            generated_at=generated_at,
            headline=headline,
        )
