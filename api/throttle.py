"""Rate limits on every request: per bearer token, per source address, and per gateway on
webhook paths, counted in PostgreSQL (db/rate_limits.py) so every API process shares them.
The limits are `limits` items in fixed windows (its FixedWindowRateLimiter's scheme: a count
per key and window). A key's first request in a window is counted there at once, all of the
request's keys in one statement; later ones in this process and sent in batches
(db/rate_limit_batches.py).

Over a limit: 429 in the error shape with Retry-After, counted in /metrics. Limits come from
RATE_LIMIT_PER_TOKEN / _PER_IP / _WEBHOOKS. When the database cannot count, requests pass
(the handlers answer 503 themselves if they need it) and counting pauses a few seconds, so
an outage is not made slower by a limiter waiting on it.
"""

from __future__ import annotations

import hashlib
import math
import time

import structlog
from limits import RateLimitItem, parse
from sqlalchemy.exc import SQLAlchemyError
from starlette.types import ASGIApp, Receive, Scope, Send

from api.errors import error_response
from api.sources import source_ip
from db.rate_limit_batches import BatchedWindowCounts
from db.rate_limits import PostgresWindowCounters

log = structlog.get_logger()
# Probes and the scrape: they must answer during a burst and never wait on the DB counting.
UNLIMITED = {"/healthz", "/readyz", "/metrics"}
WEBHOOKS = "/v1/webhooks/"
PAUSE_AFTER_FAILURE_S = 5.0


class RateLimits:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._storage: BatchedWindowCounts | None = None
        self._items: dict[str, RateLimitItem] = {}
        self._paused_until = 0.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in UNLIMITED:
            await self.app(scope, receive, send)
            return
        state = scope["app"].state
        refusal = None
        if hasattr(state, "deps") and time.monotonic() >= self._paused_until:
            try:
                refusal = await self._check(scope, state)
            except (SQLAlchemyError, OSError, TimeoutError) as err:
                self._paused_until = time.monotonic() + PAUSE_AFTER_FAILURE_S
                log.warning("rate limits not counted: database unavailable", error=str(err))
        if refusal is None:
            await self.app(scope, receive, send)
            return
        scope_name, item, retry = refusal
        state.metrics.rate_limited(scope_name)
        response = error_response(
            429,
            f"more than {item.amount} requests per {item.multiples} {item.GRANULARITY.name} "
            f"for this {scope_name}; retry in {retry} s",
        )
        response.headers["Retry-After"] = str(retry)
        await response(scope, receive, send)

    def _item(self, text: str) -> RateLimitItem:
        if text not in self._items:
            self._items[text] = parse(text)
        return self._items[text]

    async def _check(self, scope: Scope, state) -> tuple[str, RateLimitItem, int] | None:
        """Counts every limit this request falls under: at most one round trip."""
        if self._storage is None:
            self._storage = BatchedWindowCounts(PostgresWindowCounters(state.deps.sessions))
        settings = state.settings
        limits = [("ip", source_ip(scope, settings.trusted_proxies) or "-",
                   settings.rate_limit_per_ip)]  # fmt: skip
        token = _bearer(scope)
        if token:
            digest = hashlib.sha256(token.encode()).hexdigest()[:32]  # never the token itself
            limits.append(("token", digest, settings.rate_limit_per_token))
        path = scope.get("path", "")
        if path.startswith(WEBHOOKS):
            limits.append(("gateway", path[len(WEBHOOKS) :][:32], settings.rate_limit_webhooks))
        items = [(name, self._item(limit), self._item(limit).key_for(name, key))
                 for name, key, limit in limits]  # fmt: skip
        counts = await self._storage.incr_many(
            [(key, item.get_expiry(), 1) for _, item, key in items]
        )
        for name, item, key in items:
            count, ends = counts[key]
            if count > item.amount:
                return name, item, max(1, math.ceil(ends - time.time()))
        return None


def _bearer(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            return token.strip() if scheme.lower() == "bearer" and token.strip() else None
    return None
