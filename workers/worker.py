"""Builds and runs the worker: the share workflow and every activity it calls."""

from __future__ import annotations

from temporalio.client import Client
from temporalio.worker import Worker

from activities.exchange.verify import ExchangeActivities
from activities.fx import FixedFxRates, FxSource
from activities.ledger import LedgerActivities
from activities.risk.intel_refresh import IntelRefreshActivities
from activities.risk.screening import RiskActivities
from activities.risk.service import RiskService
from config.settings import Settings
from workers.client import connect
from workers.deps import Deps
from workflows.ip_intel import IpIntelRefreshWorkflow
from workflows.share import ShareWorkflow


def activities_for(
    deps: Deps,
    settings: Settings,
    *,
    fx: FxSource | None = None,
    exchange: ExchangeActivities | None = None,
) -> list:
    ledger = LedgerActivities(
        deps.sessions,
        deps.cipher,
        deps.hasher,
        fx or FixedFxRates(),
        billing_currency=settings.billing_currency,
        high_water_mark=settings.fee_basis == "high_water_mark",
    )
    exchange = exchange or ExchangeActivities(
        deps.sessions, deps.cipher, base_url=settings.exchange_base_url
    )
    risk = RiskActivities(RiskService.from_deps(deps, settings))
    intel = IntelRefreshActivities(settings.ip_intel_path, settings.ip_intel_sources)
    return [
        ledger.open_share,
        ledger.set_status,
        ledger.record_share,
        ledger.escalate,
        ledger.apply_payment,
        ledger.alert_ops,
        risk.screen_user,
        intel.refresh_ip_intel,
        exchange.verify_session,
    ]


def build_worker(client: Client, deps: Deps, settings: Settings, **overrides: object) -> Worker:
    return Worker(
        client,
        task_queue=settings.task_queue,
        max_cached_workflows=settings.worker_max_cached_workflows,
        workflows=[ShareWorkflow, IpIntelRefreshWorkflow],
        activities=activities_for(deps, settings, **overrides),
    )  # type: ignore[arg-type]


async def run_worker(settings: Settings) -> None:
    deps = Deps.from_settings(settings)
    try:
        client = await connect(settings)
        await build_worker(client, deps, settings).run()
    finally:
        await deps.close()
