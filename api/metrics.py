"""Application metrics for Prometheus (GET /metrics)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, generate_latest

router = APIRouter(tags=["health"])


class Metrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
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

    def event_received(self, result: str) -> None:
        self.events.labels(result).inc()

    def webhook_rejected(self, provider: str, reason: str) -> None:
        self.webhook_rejections.labels(provider, reason).inc()

    def payment_signalled(self, provider: str) -> None:
        self.payments.labels(provider).inc()


@router.get("/metrics", include_in_schema=False)
async def metrics_endpoint(request: Request) -> Response:
    return Response(
        generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST
    )
