"""A worker with WORKER_METRICS_PORT serves the Temporal SDK's metrics to Prometheus."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families

from runtime.client import connect
from stack.processes import free_port
from tests.support.scenario import eventually
from workers.telemetry import metrics_runtime
from workers.worker import build_worker
from workflows.reports import ReportRequest, ReportWorkflow


def test_metrics_are_off_unless_a_port_is_set(settings):
    assert metrics_runtime(settings) is None


async def test_workflow_outcomes_are_exported_per_task_queue(
    dev_server, deps, settings, task_queue
):
    port = free_port()
    cfg = settings.model_copy(
        update={
            "worker_metrics_port": port,
            "task_queue": task_queue,
            "temporal_address": dev_server.client.service_client.config.target_host,
        }
    )
    client = await connect(cfg, runtime=metrics_runtime(cfg))
    async with build_worker(client, deps, cfg):
        await client.execute_workflow(
            ReportWorkflow.run,
            ReportRequest(kind="trust"),
            id=f"report-trust-{task_queue}",
            task_queue=task_queue,
        )

        async def completed() -> float:
            async with httpx.AsyncClient() as http:
                text = (await http.get(f"http://127.0.0.1:{port}/metrics")).text
            return sum(
                sample.value
                for family in text_string_to_metric_families(text)
                for sample in family.samples
                if sample.name.startswith("temporal_workflow_completed")
                and sample.labels.get("task_queue") == task_queue
                and sample.labels.get("workflow_type") == "ReportWorkflow"
            )

        assert await eventually(completed) == 1
