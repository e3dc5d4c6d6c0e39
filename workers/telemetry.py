"""The Temporal SDK's metrics (task latencies, slots, schedule-to-start, workflow outcomes) for
Prometheus, served by each worker process on WORKER_METRICS_PORT plus its index (the first on
the port itself, the second on the next, ...)."""

from __future__ import annotations

from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

from config.settings import Settings
from workers.processes import worker_index


def metrics_runtime(settings: Settings) -> Runtime | None:
    """A Temporal runtime exporting to Prometheus, or None (the default runtime) when off."""
    if settings.worker_metrics_port is None:
        return None
    # All interfaces: in a container the scraper is another host on the compose network.
    address = f"0.0.0.0:{settings.worker_metrics_port + worker_index()}"
    return Runtime(telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=address)))
