"""The FastAPI application: every router, the error shape, limits, metrics and the codec."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from datetime import timedelta

from fastapi import FastAPI
from temporalio.client import Client

from activities.exchange.clients import POOL as CLIENTS
from activities.payments.phonepe_client import phonepe_client
from api import console, errors, metrics
from api.admission import Starter
from api.auth import TokenStore
from api.confirmations import PhonePeConfirmer
from api.headers import SecurityHeaders
from api.http_metrics import RequestTimer
from api.limits import BodySizeLimit
from api.routes import (
    accounts,
    audit_log,
    blocking,
    codec,
    consents,
    disputes,
    erasure,
    exemptions,
    fraud_settings,
    health,
    intake,
    payment_flags,
    proof_queue,
    proofs,
    refunds,
    reports,
    review,
    risk,
    risk_devices,
    shares,
    standing,
    waivers,
    webhooks,
)
from api.routes.codec import codec_cors
from api.throttle import RateLimits
from config.settings import Settings, get_settings
from runtime.client import connect
from runtime.codec import codec_from_setting
from runtime.deps import Deps
from runtime.settings import require
from services.risk.service import RiskService

ROUTERS = (
    health,
    metrics,
    accounts,
    intake,
    review,
    shares,
    standing,
    webhooks,
    proofs,
    proof_queue,
    disputes,
    erasure,
    waivers,
    refunds,
    exemptions,
    payment_flags,
    reports,
    risk,
    risk_devices,
    fraud_settings,
    blocking,
    audit_log,
    consents,
    codec,
)


def _lazy_temporal(settings: Settings) -> Callable[[], Awaitable[Client]]:
    """Connects on first use, so the API starts (and /healthz answers) while Temporal is down."""
    client: Client | None = None
    lock = asyncio.Lock()

    async def get() -> Client:
        nonlocal client
        async with lock:
            if client is None:
                client = await connect(settings)
        return client

    return get


def create_app(
    settings: Settings | None = None, *, deps: Deps | None = None, temporal: Client | None = None
) -> FastAPI:
    settings = settings or get_settings()
    settings.check_gateways()  # a half-configured gateway stops the API with one clear line

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = deps is None
        if owned:
            _use(app, Deps.from_settings(settings, pool_size=settings.api_db_pool_size), settings)
        loops = []
        if app.state.confirmer is not None:
            every = settings.phonepe_confirm_every_seconds
            loops.append(asyncio.create_task(app.state.confirmer.run(app.state, every)))
        app.state.starter = _starter(app, settings)
        loops.append(asyncio.create_task(app.state.starter.run()))
        yield
        app.state.starter = None  # requests still in flight start their events themselves
        for loop in loops:
            loop.cancel()
            with suppress(asyncio.CancelledError):
                await loop
        await CLIENTS.close()  # the exchange clients registrations borrowed
        if owned:
            await app.state.deps.close()

    app = FastAPI(
        title="profitshare",
        version="1",
        lifespan=lifespan,
        description="Collects the platform's share of profitable trading sessions.",
    )
    app.state.settings = settings
    if deps is not None:  # given by the caller (tests, bench): usable without a lifespan
        _use(app, deps, settings)
    app.state.tokens = TokenStore(settings.bootstrap_token_pairs())
    app.state.metrics = metrics.Metrics(payment_quiet_seconds=settings.payment_quiet_period_seconds)
    app.state.codec = codec_from_setting(require(settings.codec_key, "CODEC_KEY"))
    if temporal is not None:

        async def given() -> Client:
            return temporal

        app.state.temporal = given
    else:
        app.state.temporal = _lazy_temporal(settings)
    errors.install(app)
    app.add_middleware(BodySizeLimit)
    app.add_middleware(RequestTimer, histogram=app.state.metrics.requests)
    app.add_middleware(RateLimits)
    codec_cors(app, settings.ui_origin)
    app.add_middleware(SecurityHeaders)  # added last: outermost, so even a 413 carries them
    for module in ROUTERS:
        app.include_router(module.router)
    console.install(app)
    return app


def _starter(app: FastAPI, settings: Settings) -> Starter:
    deps = app.state.deps
    return Starter(
        deps.sessions,
        deps.cipher,
        app.state.temporal,
        task_queue=settings.task_queue,
        window=settings.intake_window,
    )


def _use(app: FastAPI, deps: Deps, settings: Settings) -> None:
    """The per-process clients every request shares."""
    app.state.deps = deps
    app.state.risk = RiskService.from_deps(deps, settings)
    app.state.confirmer = phonepe_confirmer(deps, settings)


def phonepe_confirmer(deps: Deps, settings: Settings) -> PhonePeConfirmer | None:
    """Confirms PhonePe v2 callbacks through Order Status; None when v2 is not configured."""
    client = phonepe_client(deps.http, settings)
    if client is None:
        return None
    hours = timedelta(hours=settings.phonepe_confirm_for_hours)
    return PhonePeConfirmer(client, give_up_after=hours)
