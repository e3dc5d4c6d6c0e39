"""Application metrics for Prometheus (GET /metrics).

Two kinds: counters of what this API process saw (events, webhook rejections, payments
signalled, risk decisions), and the ledger as it stands (shares by status, payments applied),
read from Postgres at scrape time so every replica reports the same figures. The Temporal
SDK's own metrics are served by each worker on WORKER_METRICS_PORT (workers/telemetry.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.http_metrics import request_histogram
from db.models import Payment, Share

# A share still in one of these after STALLED_AFTER has stopped moving (the brief's alert).
IN_FLIGHT = ("received", "screening", "verifying")
STALLED_AFTER_SECONDS = 3600

router = APIRouter(tags=["health"])
# A slow database must not make the scrape time out: answer with what we have.
LEDGER_READ_TIMEOUT = 2.0


class LedgerFigures(Collector):
    """Shares by status and payments applied by provider, as last read from Postgres."""

    def __init__(self) -> None:
        self.shares: dict[str, int] = {}
        self.payments_applied: dict[str, int] = {}
        self.last_payment_at: float | None = None
        self.stalled = 0
        self.up = False

    async def refresh(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        try:
            async with sessions() as s:
                shares = await asyncio.wait_for(
                    s.execute(select(Share.status, func.count()).group_by(Share.status)),
                    LEDGER_READ_TIMEOUT,
                )
                applied = await asyncio.wait_for(
                    s.execute(
                        select(Payment.provider, func.count())
                        .where(Payment.status == "applied")
                        .group_by(Payment.provider)
                    ),
                    LEDGER_READ_TIMEOUT,
                )
                last = await asyncio.wait_for(
                    s.scalar(select(func.max(Payment.applied_at))), LEDGER_READ_TIMEOUT
                )
                stalled = await asyncio.wait_for(
                    s.scalar(
                        select(func.count())
                        .select_from(Share)
                        .where(
                            Share.status.in_(IN_FLIGHT),
                            Share.updated_at
                            < func.now()
                            - func.make_interval(0, 0, 0, 0, 0, 0, STALLED_AFTER_SECONDS),
                        )
                    ),
                    LEDGER_READ_TIMEOUT,
                )
                self.last_payment_at = last.timestamp() if last is not None else None
                self.stalled = int(stalled or 0)
                self.shares = {status: n for status, n in shares.all()}
                self.payments_applied = {provider: n for provider, n in applied.all()}
            self.up = True
        except Exception:  # the database is down: say so, keep the last figures
            self.up = False

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "profitshare_ledger_up", "1 if the last scrape could read the ledger"
        )
        up.add_metric([], 1 if self.up else 0)
        yield up
        shares = GaugeMetricFamily("profitshare_shares", "Shares by status", labels=["status"])
        for status, n in sorted(self.shares.items()):
            shares.add_metric([status], n)
        yield shares
        # Applied payments are never un-applied: a counter, whichever replica is scraped.
        applied = CounterMetricFamily(
            "profitshare_payments_applied", "Payments applied to shares", labels=["provider"]
        )
        for provider, n in sorted(self.payments_applied.items()):
            applied.add_metric([provider], n)
        yield applied
        last = GaugeMetricFamily(
            "profitshare_last_payment_applied_timestamp_seconds",
            "When the latest payment was applied (Unix time; 0: never)",
        )
        last.add_metric([], self.last_payment_at or 0)
        yield last
        stalled = GaugeMetricFamily(
            "profitshare_shares_stalled",
            f"Shares in {'/'.join(IN_FLIGHT)} unchanged for over {STALLED_AFTER_SECONDS} s",
        )
        stalled.add_metric([], self.stalled)
        yield stalled


class Metrics:
    def __init__(
        self, registry: CollectorRegistry | None = None, *, payment_quiet_seconds: int = 6 * 3600
    ) -> None:
        self.registry = registry or CollectorRegistry()
        self.ledger = LedgerFigures()
        self.registry.register(self.ledger)
        self.requests = request_histogram(self.registry)
        # The configured quiet period, exported so the alert rule compares against it.
        quiet = Gauge(
            "profitshare_payment_quiet_period_seconds",
            "PAYMENT_QUIET_PERIOD_SECONDS: no payment for this long raises PaymentsQuiet",
            registry=self.registry,
        )
        quiet.set(payment_quiet_seconds)
        self.events = Counter(
            "profitshare_events_received",
            "Profit events accepted",
            ["result"],
            registry=self.registry,
        )
        self.webhook_rejections = Counter(
            "profitshare_webhook_rejections",
            "Webhooks refused",
            ["provider", "reason"],
            registry=self.registry,
        )
        self.payments = Counter(
            "profitshare_payments_signalled",
            "Payments signalled",
            ["provider"],
            registry=self.registry,
        )
        self.risk_decisions = Counter(
            "profitshare_risk_decisions",
            "Risk assessments by decision",
            ["action", "decision"],
            registry=self.registry,
        )

    def event_received(self, result: str) -> None:
        self.events.labels(result).inc()

    def webhook_rejected(self, provider: str, reason: str) -> None:
        self.webhook_rejections.labels(provider, reason).inc()

    def payment_signalled(self, provider: str) -> None:
        self.payments.labels(provider).inc()

    def risk_decided(self, action: str, decision: str) -> None:
        self.risk_decisions.labels(action, decision).inc()


@router.get("/metrics", include_in_schema=False)
async def metrics_endpoint(request: Request) -> Response:
    metrics: Metrics = request.app.state.metrics
    await metrics.ledger.refresh(request.app.state.deps.sessions)
    return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)
