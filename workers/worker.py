"""Builds and runs the worker: the share and report workflows and every activity they call."""

from __future__ import annotations

import asyncio
import signal
from datetime import timedelta

from temporalio.client import Client
from temporalio.worker import Worker

from activities.exchange.verify import ExchangeActivities
from activities.fx import FxSource
from activities.fx.factory import fx_source
from activities.ledger import LedgerActivities
from activities.notify.backend import BackendWebhooks
from activities.notify.user import HttpNotifier, LogNotifier, Notifier, UserNotifications
from activities.payments.links import PaymentLinkActivities
from activities.payments.razorpay_links import RazorpayLinks
from activities.reports import ReportActivities
from activities.risk.intel_refresh import IntelRefreshActivities
from activities.risk.screening import RiskActivities
from activities.risk.service import RiskService
from config.settings import Settings
from workers.client import connect
from workers.deps import Deps, require
from workers.telemetry import metrics_runtime
from workflows.ip_intel import IpIntelRefreshWorkflow
from workflows.reconciler import CollectionsCloseWorkflow, PaymentReconcilerWorkflow
from workflows.reports import ReportWorkflow
from workflows.share import ShareWorkflow
from workflows.standing import StandingDeliveryWorkflow


def activities_for(
    deps: Deps,
    settings: Settings,
    *,
    fx: FxSource | None = None,
    exchange: ExchangeActivities | None = None,
    notifier: Notifier | None = None,
) -> list:
    ledger = LedgerActivities(
        deps.sessions,
        deps.cipher,
        deps.hasher,
        fx or fx_source(settings, http=deps.http),
        billing_currency=settings.billing_currency,
        high_water_mark=settings.fee_basis == "high_water_mark",
    )
    exchange = exchange or ExchangeActivities(
        deps.sessions, deps.cipher, base_url=settings.exchange_base_url
    )
    risk = RiskActivities(RiskService.from_deps(deps, settings))
    intel = IntelRefreshActivities(deps.sessions, settings.ip_intel_sources)
    links = PaymentLinkActivities(
        razorpay_links(deps, settings), valid_for=timedelta(days=settings.razorpay_link_valid_days)
    )
    backend = BackendWebhooks(
        deps.sessions,
        deps.http,
        url=settings.backend_webhook_url,
        secret=require(settings.backend_webhook_secret, "BACKEND_WEBHOOK_SECRET")
        if settings.backend_webhook_url
        else None,
    )
    users = UserNotifications(deps.sessions, notifier or user_notifier(deps, settings))
    reports = ReportActivities(deps.sessions, deps.cipher)
    return [
        *ledger.activities(),
        risk.screen_user,
        intel.refresh_ip_intel,
        exchange.verify_session,
        links.create_payment_link,
        backend.deliver_standing,
        users.notify_user,
        reports.generate_report,
    ]


def razorpay_links(deps: Deps, settings: Settings) -> RazorpayLinks | None:
    """None without RAZORPAY_KEY_ID: shares are then paid by reference only."""
    if settings.razorpay_key_id is None:
        return None
    return RazorpayLinks(
        deps.http,
        key_id=settings.razorpay_key_id,
        key_secret=require(settings.razorpay_key_secret, "RAZORPAY_KEY_SECRET"),
        base_url=settings.razorpay_api_base_url,
    )


def user_notifier(deps: Deps, settings: Settings) -> Notifier:
    """The provider at NOTIFIER_URL; without one (dev), messages are only logged."""
    if settings.notifier_url is None:
        return LogNotifier()
    token = require(settings.notifier_token, "NOTIFIER_TOKEN")
    return HttpNotifier(deps.http, url=settings.notifier_url, token=token)


# A worker that is told to stop (SIGTERM) finishes what it runs for up to this long.
DRAIN = timedelta(seconds=30)


def db_capacity(deps: Deps) -> int:
    """Connections the pool can hand out at once (its size plus its overflow)."""
    pool = deps.engine.pool
    size = pool.size() if hasattr(pool, "size") else 10
    return max(1, size + max(0, getattr(pool, "_max_overflow", 0)))


def build_worker(client: Client, deps: Deps, settings: Settings, **overrides: object) -> Worker:
    return Worker(
        client,
        task_queue=settings.task_queue,
        max_cached_workflows=settings.worker_max_cached_workflows,
        # Most activities hold a connection: never more at once than the pool can give, so
        # a burst waits in Temporal's queue instead of timing out on the pool.
        max_concurrent_activities=db_capacity(deps),
        graceful_shutdown_timeout=DRAIN,
        workflows=[
            ShareWorkflow,
            ReportWorkflow,
            IpIntelRefreshWorkflow,
            StandingDeliveryWorkflow,
            PaymentReconcilerWorkflow,
            CollectionsCloseWorkflow,
        ],
        activities=activities_for(deps, settings, **overrides),
    )  # type: ignore[arg-type]


async def run_worker(settings: Settings) -> None:
    """Runs until SIGTERM or SIGINT, then drains: no new tasks, running ones finish (DRAIN)."""
    deps = Deps.from_settings(settings)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    signals = (signal.SIGTERM, signal.SIGINT)
    try:
        client = await connect(settings, runtime=metrics_runtime(settings))
        worker = build_worker(client, deps, settings)
        for sig in signals:
            loop.add_signal_handler(sig, stop.set)
        running = asyncio.create_task(worker.run())
        stopped = asyncio.create_task(stop.wait())
        await asyncio.wait([running, stopped], return_when=asyncio.FIRST_COMPLETED)
        if not running.done():
            await worker.shutdown()
        stopped.cancel()
        await running
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)
        await deps.close()
