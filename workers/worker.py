"""Builds and runs the worker: the share and report workflows and every activity they call."""

from __future__ import annotations

import asyncio
import signal
from datetime import timedelta

from temporalio.client import Client
from temporalio.worker import UnsandboxedWorkflowRunner, Worker, WorkerTuner, WorkflowRunner
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from activities.audit.anchor import AuditAnchorActivities
from activities.exchange.clients import POOL as CLIENTS
from activities.exchange.markets import SHARED as SHARED_MARKETS
from activities.exchange.verify import ExchangeActivities
from activities.fx import FxSource
from activities.fx.factory import fx_source
from activities.ledger import LedgerActivities
from activities.notify.backend import BackendWebhooks
from activities.notify.user import HttpNotifier, LogNotifier, Notifier, UserNotifications
from activities.opening_steps import OpeningSteps
from activities.payments.links import PaymentLinkActivities
from activities.payments.phonepe_checkout import PhonePeCheckout
from activities.payments.phonepe_client import phonepe_client
from activities.payments.razorpay_links import RazorpayLinks
from activities.reports import ReportActivities
from activities.retention import RetentionActivities
from activities.risk.intel_refresh import IntelRefreshActivities
from activities.risk.screening import RiskActivities
from config.settings import Settings
from db.retention import RetentionPolicy
from runtime.client import connect
from runtime.deps import Deps
from runtime.settings import require
from services.risk.service import RiskService
from workers.telemetry import metrics_runtime
from workflows.audit_anchor import AuditAnchorWorkflow
from workflows.ip_intel import IpIntelRefreshWorkflow
from workflows.reconciler import CollectionsCloseWorkflow, PaymentReconcilerWorkflow
from workflows.reports import ReportWorkflow
from workflows.retention import RetentionWorkflow
from workflows.share_types import SHARE_WORKFLOWS
from workflows.standing import StandingDeliveryWorkflow


def activities_for(
    deps: Deps,
    settings: Settings,
    *,
    fx: FxSource | None = None,
    exchange: ExchangeActivities | None = None,
    notifier: Notifier | None = None,
) -> list:
    fx = fx or fx_source(settings, http=deps.http)
    policy = deps.policy
    ledger = LedgerActivities(
        deps.sessions,
        deps.cipher,
        deps.hasher,
        fx,
        billing_currency=settings.billing_currency,
        high_water_mark=settings.fee_basis == "high_water_mark",
        policy=policy,
    )
    exchange = exchange or ExchangeActivities(
        deps.sessions,
        deps.auditor,
        base_url=settings.exchange_base_url,
        fx=fx,
        review_limit=settings.review_limit_amount,
        trust=policy.trust,
        markets=SHARED_MARKETS,
        clients=CLIENTS,
        policy=policy.verification.policy(),
        billing_currency=settings.billing_currency,
    )
    risk = RiskActivities(RiskService.from_deps(deps, settings))
    intel = IntelRefreshActivities(
        deps.sessions,
        settings.ip_intel_path,
        settings.ip_intel_sources,
        email_sources=settings.email_list_sources,
    )
    links = PaymentLinkActivities(
        razorpay_links(deps, settings) or phonepe_checkout(deps, settings),
        valid_for=timedelta(days=settings.razorpay_link_valid_days),
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
    reports = ReportActivities(deps.sessions, deps.cipher, policy)
    retention = RetentionActivities(
        deps.sessions, deps.auditor, RetentionPolicy.from_settings(settings)
    )
    return [
        *ledger.activities(),
        risk.screen_user,
        OpeningSteps(ledger, risk).open_and_screen,
        intel.refresh_ip_intel,
        exchange.verify_session,
        exchange.verify_and_quote,
        links.create_payment_link,
        links.close_payment_link,
        backend.deliver_standing,
        users.notify_user,
        reports.generate_report,
        AuditAnchorActivities(deps.sessions).read_audit_heads,
        retention.sweep_retention,
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


def phonepe_checkout(deps: Deps, settings: Settings) -> PhonePeCheckout | None:
    """PhonePe checkout pages when PHONEPE_CLIENT_ID etc. are set (and Razorpay is not)."""
    client = phonepe_client(deps.http, settings)
    if client is None:
        return None
    return PhonePeCheckout(client, redirect_url=settings.phonepe_redirect_url)


def user_notifier(deps: Deps, settings: Settings) -> Notifier:
    """The provider at NOTIFIER_URL; without one (dev), messages are only logged."""
    if settings.notifier_url is None:
        return LogNotifier()
    token = require(settings.notifier_token, "NOTIFIER_TOKEN")
    return HttpNotifier(deps.http, url=settings.notifier_url, token=token)


# Modules every workflow imports but that hold no workflow state: loaded once per process
# instead of once per workflow sandbox (a replayed, evicted workflow pays for its imports).
PASSTHROUGH = ("domain", "pydantic", "pydantic_core", "annotated_types", "typing_extensions")
# What SIGTERM gives in-flight activities before the worker cancels them.
DRAIN = timedelta(seconds=30)


def db_capacity(deps: Deps) -> int:
    """Connections the pool can hand out at once (its size plus its overflow)."""
    pool = deps.engine.pool
    size = pool.size() if hasattr(pool, "size") else 10
    return max(1, size + max(0, getattr(pool, "_max_overflow", 0)))


def activity_slots(settings: Settings, deps: Deps) -> dict[str, int]:
    """Most activities hold a connection, and the share's ledger writes run as local
    activities (patch lean) on the same pool: both kinds together never take more at once
    than the pool can give, so a burst waits in Temporal's queue, not on the pool."""
    capacity = db_capacity(deps)
    remote = min(settings.worker_activity_slots, capacity)
    local = min(settings.worker_activity_slots, max(1, capacity - remote))
    return {"activity_slots": remote, "local_activity_slots": local}


def workflow_runner(settings: Settings) -> WorkflowRunner:
    if not settings.worker_sandbox:
        return UnsandboxedWorkflowRunner()
    return SandboxedWorkflowRunner(
        restrictions=SandboxRestrictions.default.with_passthrough_modules(*PASSTHROUGH)
    )


def build_worker(client: Client, deps: Deps, settings: Settings, **overrides: object) -> Worker:
    return Worker(
        client,
        task_queue=settings.task_queue,
        max_cached_workflows=settings.worker_max_cached_workflows,
        sticky_queue_schedule_to_start_timeout=timedelta(
            seconds=settings.worker_sticky_task_wait_seconds
        ),
        tuner=WorkerTuner.create_fixed(
            workflow_slots=settings.worker_workflow_slots, **activity_slots(settings, deps)
        ),
        workflow_runner=workflow_runner(settings),
        graceful_shutdown_timeout=DRAIN,
        workflows=[
            *SHARE_WORKFLOWS,
            ReportWorkflow,
            IpIntelRefreshWorkflow,
            AuditAnchorWorkflow,
            RetentionWorkflow,
            StandingDeliveryWorkflow,
            PaymentReconcilerWorkflow,
            CollectionsCloseWorkflow,
        ],
        activities=activities_for(deps, settings, **overrides),
    )  # type: ignore[arg-type]


async def run_worker(settings: Settings) -> None:
    """One worker until SIGTERM or SIGINT, which stop polling and let in-flight tasks finish."""
    deps = Deps.from_settings(settings, pool_size=settings.worker_activity_slots)
    try:
        client = await connect(settings, runtime=metrics_runtime(settings))
        worker = build_worker(client, deps, settings)
        loop = asyncio.get_running_loop()
        stopping = asyncio.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stopping.set)
        async with worker:
            await stopping.wait()
    finally:
        await CLIENTS.close()
        await deps.close()
