"""Application metrics for Prometheus (GET /metrics).

Two kinds: counters of what this API process saw (events, webhook rejections, payments
signalled, risk decisions), and the ledger as it stands (shares by status, payments applied),
read from Postgres at scrape time so every replica reports the same figures. The Temporal
SDK's own metrics are served by each worker on WORKER_METRICS_PORT (workers/telemetry.py).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator

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
from sqlalchemy import BigInteger, cast, func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.http_metrics import request_histogram
from db.admission import QUEUED
from db.models import Payment, ProfitEventRow, Share
from domain.models import OPENING_STATUSES

# A share still in one of these after STALLED_AFTER has stopped moving (the brief's alert).
IN_FLIGHT = OPENING_STATUSES
STALLED_AFTER_SECONDS = 3600

router = APIRouter(tags=["health"])
# A slow database must not make the scrape time out: answer with what we have.
LEDGER_READ_TIMEOUT = 2.0
# Scrapes (several Prometheus servers, a flood of anonymous requests) within this share one
# read of the ledger: /metrics is public, so it must not be a way to load the database.
LEDGER_CACHE_SECONDS = 10.0

# One statement for every figure: shares by status, applied payments by provider, when the
# latest payment was applied (Unix seconds), how many shares have stalled in flight and how
# many profit events wait in the intake queue for their start (api/admission.py).
_LEDGER = union_all(
    select(literal("share"), Share.status, func.count()).group_by(Share.status),
    select(literal("payment"), Payment.provider, func.count())
    .where(Payment.status == "applied")
    .group_by(Payment.provider),
    select(
        literal("last_payment"),
        literal(""),
        cast(func.coalesce(func.extract("epoch", func.max(Payment.applied_at)), 0), BigInteger),
    ),
    select(literal("stalled"), literal(""), func.count())
    .select_from(Share)
    .where(
        Share.status.in_(IN_FLIGHT),
        Share.updated_at < func.now() - func.make_interval(0, 0, 0, 0, 0, 0, STALLED_AFTER_SECONDS),
    ),
    select(literal("queued"), literal(""), func.count()).select_from(ProfitEventRow).where(QUEUED),
)


class LedgerFigures(Collector):
    """Shares by status and payments applied by provider, as last read from Postgres."""

    def __init__(
        self,
        *,
        ttl: float = LEDGER_CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.shares: dict[str, int] = {}
        self.payments_applied: dict[str, int] = {}
        self.last_payment_at: float | None = None
        self.stalled = 0
        self.queued = 0
        self.up = False
        self.reads = 0
        self._ttl, self._clock = ttl, clock
        self._fresh_until = float("-inf")
        self._lock = asyncio.Lock()

    async def refresh(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        """Reads the ledger unless a read within the last LEDGER_CACHE_SECONDS still stands."""
        async with self._lock:  # concurrent scrapes wait for one read instead of making more
            if self._clock() < self._fresh_until:
                return
            await self._read(sessions)
            self._fresh_until = self._clock() + self._ttl

    async def _read(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.reads += 1
        try:
            async with sessions() as s:
                rows = (await asyncio.wait_for(s.execute(_LEDGER), LEDGER_READ_TIMEOUT)).all()
            self.shares = {name: n for kind, name, n in rows if kind == "share"}
            self.payments_applied = {name: n for kind, name, n in rows if kind == "payment"}
            last = next((n for kind, _, n in rows if kind == "last_payment"), 0)
            self.last_payment_at = float(last) if last else None
            self.stalled = next((int(n) for kind, _, n in rows if kind == "stalled"), 0)
            self.queued = next((int(n) for kind, _, n in rows if kind == "queued"), 0)
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
        queued = GaugeMetricFamily(
            "profitshare_intake_queued",
            "Profit events recorded whose share workflow the intake starter has not started",
        )
        queued.add_metric([], self.queued)
        yield queued


class Metrics:
    def __init__(
        self,
        registry: CollectorRegistry | None = None,
        *,
        ledger: LedgerFigures | None = None,
        payment_quiet_seconds: int = 6 * 3600,
    ) -> None:
        self.registry = registry or CollectorRegistry()
        self.ledger = ledger or LedgerFigures()
        self.registry.register(self.ledger)
        self.requests = request_histogram(self.registry)
        # The configured quiet period, exported so the alert rule compares against it.
        quiet = Gauge(
            "profitshare_payment_quiet_period_seconds",
            "PAYMENT_QUIET_PERIOD_SECONDS: no payment for this long raises PaymentsQuiet",
            registry=self.registry,
        )
        quiet.set(payment_quiet_seconds)
        self.events = self._counter(
            "profitshare_events_received", "Profit events accepted", "result"
        )
        self.webhook_rejections = self._counter(
            "profitshare_webhook_rejections", "Webhooks refused", "provider", "reason"
        )
        self.payments = self._counter(
            "profitshare_payments_signalled", "Payments signalled", "provider"
        )
        self.rate_limits = self._counter(
            "profitshare_rate_limited",
            "Requests refused with 429, by what was over its limit (ip, token, gateway)",
            "scope",
        )
        self.risk_decisions = self._counter(
            "profitshare_risk_decisions", "Risk assessments by decision", "action", "decision"
        )

    def _counter(self, name: str, documentation: str, *labels: str) -> Counter:
        return Counter(name, documentation, labels, registry=self.registry)

    def event_received(self, result: str) -> None:
        self.events.labels(result).inc()

    def webhook_rejected(self, provider: str, reason: str) -> None:
        self.webhook_rejections.labels(provider, reason).inc()

    def rate_limited(self, scope: str) -> None:
        self.rate_limits.labels(scope).inc()

    def payment_signalled(self, provider: str) -> None:
        self.payments.labels(provider).inc()

    def risk_decided(self, action: str, decision: str) -> None:
        self.risk_decisions.labels(action, decision).inc()


@router.get("/metrics", include_in_schema=False)
async def metrics_endpoint(request: Request) -> Response:
    metrics: Metrics = request.app.state.metrics
    await metrics.ledger.refresh(request.app.state.deps.sessions)
    return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)
