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
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import Payment, Share

router = APIRouter(tags=["health"])
# A slow database must not make the scrape time out: answer with what we have.
LEDGER_READ_TIMEOUT = 2.0
# Scrapes (several Prometheus servers, a flood of anonymous requests) within this share one
# read of the ledger: /metrics is public, so it must not be a way to load the database.
LEDGER_CACHE_SECONDS = 10.0

# One statement for both figures: shares by status and applied payments by provider.
_LEDGER = union_all(
    select(literal("share"), Share.status, func.count()).group_by(Share.status),
    select(literal("payment"), Payment.provider, func.count())
    .where(Payment.status == "applied")
    .group_by(Payment.provider),
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


class Metrics:
    def __init__(
        self, registry: CollectorRegistry | None = None, *, ledger: LedgerFigures | None = None
    ) -> None:
        self.registry = registry or CollectorRegistry()
        self.ledger = ledger or LedgerFigures()
        self.registry.register(self.ledger)
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
        self.rate_limits = Counter(
            "profitshare_rate_limited",
            "Requests refused with 429, by what was over its limit (ip, token, gateway)",
            ["scope"],
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
