"""Who may call what: every route the app serves, called with no token, a wrong token and each
role, answers 401, 403 or 2xx exactly as CONTRACT.md says.

The routes come from the app itself (`app.routes`); ACCESS is the contract's table written out
by hand, and PROBES a request per route that succeeds for a caller who may make it. A route
the app serves without a row in both fails the test: whoever adds an endpoint says here who
may call it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts

from api.app import create_app
from config.settings import Settings
from tests.api.conftest import ADMIN, BACKEND, OPS, STANDARD_SECRET
from tests.domain.webhooks import samples
from tests.support.scenario import eventually, profit_event, register_account, store_event

Route = tuple[str, str]  # (method, path template)
PUBLIC = "no token needed"
SIGNED = "gateway signature, never a token"

ACCESS: dict[Route, frozenset[str] | str] = {
    ("POST", "/v1/users/{user_id}/exchange-accounts"): frozenset({"backend"}),
    ("POST", "/v1/profit-events"): frozenset({"backend"}),
    ("GET", "/v1/shares/{event_id}"): frozenset({"backend", "ops"}),
    ("GET", "/v1/users/{user_id}/standing"): frozenset({"backend", "ops"}),
    ("POST", "/v1/admin/shares/{event_id}/review"): frozenset({"admin"}),
    ("POST", "/v1/webhooks/{provider}"): SIGNED,
    ("POST", "/codec/encode"): frozenset({"ops"}),
    ("POST", "/codec/decode"): frozenset({"ops"}),
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/readyz"): PUBLIC,
    ("GET", "/metrics"): PUBLIC,
    ("GET", "/openapi.json"): PUBLIC,
    ("GET", "/docs"): PUBLIC,
    ("GET", "/docs/oauth2-redirect"): PUBLIC,
    ("GET", "/redoc"): PUBLIC,
}

CALLERS: dict[str, dict[str, str]] = {
    "no token": {},
    "a wrong token": {"Authorization": "Bearer ps_ops_this-token-was-never-issued"},
    "backend": BACKEND,
    "ops": OPS,
    "admin": ADMIN,
}


def expected(access: frozenset[str] | str, caller: str) -> str:
    if isinstance(access, str):
        return "2xx"
    if caller not in ("backend", "ops", "admin"):
        return "401"
    # The contract: admin can do all that ops can.
    allowed = access | {"admin"} if "ops" in access else access
    return "2xx" if caller in allowed else "403"


def served(app: FastAPI) -> set[Route]:
    """Every (method, path) of `app.routes`, routers included (FastAPI nests those)."""
    return {
        (method, route.path)
        for route in iter_route_contexts(app.routes)
        for method in route.methods or ()
        if method not in ("HEAD", "OPTIONS")
    }


# --- requests that succeed for an allowed caller ------------------------------------------


@dataclass
class Probe:
    path: str
    json: Any = None
    content: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class World:
    """What the probes need to exist: a user with an account, an event, a share under review."""

    deps: Any
    user_id: str
    account_id: str
    event_id: str
    under_review: str

    def new_event(self) -> dict:
        start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
        event = profit_event(self.user_id, self.account_id, start=start, reported=Decimal("10"))
        return event.model_dump(mode="json")


def _webhook(_: World) -> Probe:
    body = samples.standard_payment(
        "PS_NO_SUCH_SHARE", f"txn_{uuid.uuid4().hex[:10]}", "10.00", currency="USDT"
    )
    headers = samples.signed_headers_standard(body, STANDARD_SECRET, datetime.now(UTC))
    return Probe("/v1/webhooks/standard", content=body, headers=headers)


def _codec(path: str) -> Callable[[World], Probe]:
    empty = b'{"payloads": []}'
    return lambda _: Probe(path, content=empty, headers={"content-type": "application/json"})


def _get(path: str) -> Callable[[World], Probe]:
    return lambda _: Probe(path)

PROBES: dict[Route, Callable[[World], Probe]] = {
    ("POST", "/v1/users/{user_id}/exchange-accounts"): lambda w: Probe(
        f"/v1/users/{w.user_id}/exchange-accounts",
        json={"exchange": "binance", "api_key": uuid.uuid4().hex, "api_secret": uuid.uuid4().hex},
    ),
    ("POST", "/v1/profit-events"): lambda w: Probe("/v1/profit-events", json=w.new_event()),
    ("GET", "/v1/shares/{event_id}"): lambda w: Probe(f"/v1/shares/{w.event_id}"),
    ("GET", "/v1/users/{user_id}/standing"): lambda w: Probe(f"/v1/users/{w.user_id}/standing"),
    ("POST", "/v1/admin/shares/{event_id}/review"): lambda w: Probe(
        f"/v1/admin/shares/{w.under_review}/review", json={"decision": "reject"}
    ),
    ("POST", "/v1/webhooks/{provider}"): _webhook,
    ("POST", "/codec/encode"): _codec("/codec/encode"),
    ("POST", "/codec/decode"): _codec("/codec/decode"),
    **{
        ("GET", path): _get(path)
        for path in ("/healthz", "/readyz", "/metrics", "/openapi.json", "/docs",
                     "/docs/oauth2-redirect", "/redoc")
    },
}  # fmt: skip


def test_every_route_the_app_serves_says_who_may_call_it():
    app = create_app(Settings(codec_key="only-to-list-the-routes"))  # connects to nothing
    unlisted = served(app) - ACCESS.keys()
    assert not unlisted, f"add these routes to ACCESS and PROBES: {sorted(unlisted)}"
    assert ACCESS.keys() == PROBES.keys()
    assert ACCESS.keys() <= served(app), "ACCESS names routes the app does not serve"


# --- the matrix ---------------------------------------------------------------------------


@pytest.fixture
async def world(api, worker, deps) -> World:
    user = f"u_{uuid.uuid4().hex[:10]}"
    account = await register_account(deps, user, f"key-{uuid.uuid4().hex}", uuid.uuid4().hex)
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    stored = profit_event(user, account, start=start, reported=Decimal("10"))
    await store_event(deps, stored)
    # The exchange does not know this account: verification fails and an admin must decide.
    held = profit_event(user, account, start=start, reported=Decimal("10"))
    response = await api.post("/v1/profit-events", json=held.model_dump(mode="json"),
                              headers=BACKEND)
    assert response.status_code == 202, response.text

    async def under_review() -> bool:
        share = (await api.get(f"/v1/shares/{held.event_id}", headers=OPS)).json()
        return share.get("status") == "under_review"

    await eventually(under_review)
    return World(deps, user, account, stored.event_id, held.event_id)


async def test_each_caller_gets_401_403_or_2xx_as_the_contract_says(
    time_skipping_env, deps, api_settings, world
):
    app = create_app(api_settings, deps=deps, temporal=time_skipping_env.client)
    wrong: list[str] = []
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://api") as c:
        for method, path in sorted(served(app)):
            for caller, credentials in CALLERS.items():
                probe = PROBES[(method, path)](world)
                response = await c.request(
                    method, probe.path, json=probe.json, content=probe.content,
                    headers={**probe.headers, **credentials},
                )  # fmt: skip
                status = response.status_code
                got = "2xx" if 200 <= status < 300 else str(status)
                want = expected(ACCESS[(method, path)], caller)
                if got != want:
                    wrong.append(f"{method} {path} as {caller}: {status}, expected {want}: "
                                 f"{response.text[:160]}")  # fmt: skip
    assert not wrong, "\n".join(wrong)
