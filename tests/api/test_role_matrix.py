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
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from sqlalchemy import func, select

from api.app import create_app
from config.settings import Settings
from db.audit import Actor
from db.models import AuditEntry
from db.tokens import hash_token
from tests.api.matrix_world import World, build_world
from tests.support.api import ADMIN, BACKEND, OPS, in_process

Route = tuple[str, str]  # (method, path template)
PUBLIC = "no token needed"
SIGNED = "gateway signature, never a token"
BACKEND_ONLY = frozenset({"backend"})
OPS_ONLY = frozenset({"ops"})
ADMIN_ONLY = frozenset({"admin"})

ACCESS: dict[Route, frozenset[str] | str] = {
    ("POST", "/v1/users/{user_id}/exchange-accounts"): BACKEND_ONLY,
    ("POST", "/v1/profit-events"): BACKEND_ONLY,
    ("GET", "/v1/shares/{event_id}"): frozenset({"backend", "ops"}),
    ("GET", "/v1/users/{user_id}/standing"): frozenset({"backend", "ops"}),
    ("POST", "/v1/shares/{event_id}/payment-proofs"): BACKEND_ONLY,
    ("POST", "/v1/shares/{event_id}/dispute"): BACKEND_ONLY,
    ("POST", "/v1/admin/payment-proofs/{proof_id}/decision"): ADMIN_ONLY,
    ("POST", "/v1/admin/shares/{event_id}/review"): ADMIN_ONLY,
    ("POST", "/v1/admin/shares/{event_id}/dispute-resolution"): ADMIN_ONLY,
    ("POST", "/v1/admin/shares/{event_id}/waive"): ADMIN_ONLY,
    ("POST", "/v1/admin/shares/{event_id}/refund"): ADMIN_ONLY,
    ("POST", "/v1/admin/users/{user_id}/exemption"): ADMIN_ONLY,
    ("POST", "/v1/admin/payments/{provider}/{transaction_id}/flag"): ADMIN_ONLY,
    ("GET", "/v1/reports"): OPS_ONLY,
    ("GET", "/v1/reports/overdue"): OPS_ONLY,
    ("GET", "/v1/reports/{kind}/latest"): OPS_ONLY,
    ("GET", "/v1/reports/{kind}/{period}"): OPS_ONLY,
    ("POST", "/v1/risk/assess"): BACKEND_ONLY,
    ("GET", "/v1/risk/decisions/{decision_id}"): frozenset({"backend", "ops"}),
    ("GET", "/v1/admin/risk/alerts"): OPS_ONLY,
    ("GET", "/v1/admin/fraud-settings"): ADMIN_ONLY,
    ("PUT", "/v1/admin/fraud-settings"): ADMIN_ONLY,
    ("POST", "/v1/admin/fraud-settings/reset"): ADMIN_ONLY,
    ("GET", "/v1/admin/fraud-settings/versions"): ADMIN_ONLY,
    ("POST", "/v1/admin/users/{user_id}/block"): ADMIN_ONLY,
    ("POST", "/v1/admin/users/{user_id}/unblock"): ADMIN_ONLY,
    ("GET", "/v1/admin/audit"): OPS_ONLY,
    ("POST", "/v1/webhooks/{provider}"): SIGNED,
    ("POST", "/codec/encode"): OPS_ONLY,
    ("POST", "/codec/decode"): OPS_ONLY,
    ("GET", "/v1/admin/payment-proofs"): OPS_ONLY,
    ("GET", "/v1/admin/payment-proofs/{proof_id}/screenshot"): OPS_ONLY,
    ("POST", "/v1/admin/payment-proofs/{proof_id}/flag"): OPS_ONLY,
    ("GET", "/v1/admin/risk/devices"): OPS_ONLY,
    ("POST", "/v1/admin/risk/devices/{device}/dismissals"): ADMIN_ONLY,
    ("POST", "/v1/admin/users/{user_id}/erase"): ADMIN_ONLY,
    ("PUT", "/v1/admin/terms"): ADMIN_ONLY,
    ("GET", "/v1/terms"): frozenset({"backend", "ops"}),
    ("POST", "/v1/users/{user_id}/consents"): BACKEND_ONLY,
    ("GET", "/v1/users/{user_id}/consents"): frozenset({"backend", "ops"}),
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/readyz"): PUBLIC,
    ("GET", "/metrics"): PUBLIC,
    ("GET", "/openapi.json"): PUBLIC,
    ("GET", "/docs"): PUBLIC,
    ("GET", "/docs/oauth2-redirect"): PUBLIC,
    ("GET", "/redoc"): PUBLIC,
}

# Actions that change something: each leaves an audit entry naming the calling token.
AUDITED: frozenset[Route] = frozenset({
    ("POST", "/v1/users/{user_id}/exchange-accounts"),
    ("POST", "/v1/shares/{event_id}/payment-proofs"),
    ("POST", "/v1/shares/{event_id}/dispute"),
    ("POST", "/v1/admin/payment-proofs/{proof_id}/decision"),
    ("POST", "/v1/admin/shares/{event_id}/review"),
    ("POST", "/v1/admin/shares/{event_id}/dispute-resolution"),
    ("POST", "/v1/admin/shares/{event_id}/waive"),
    ("POST", "/v1/admin/users/{user_id}/exemption"),
    ("POST", "/v1/admin/payments/{provider}/{transaction_id}/flag"),
    ("PUT", "/v1/admin/fraud-settings"),
    ("POST", "/v1/admin/fraud-settings/reset"),
    ("POST", "/v1/admin/users/{user_id}/block"),
    ("POST", "/v1/admin/users/{user_id}/unblock"),
})  # fmt: skip

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
    """Every (method, path) of `app.routes`, routers included (FastAPI nests those); the admin
    console's pages (/admin) take a session cookie, not a token: tests/api/console covers them."""
    return {
        (method, route.path)
        for route in iter_route_contexts(app.routes)
        for method in route.methods or ()
        if method not in ("HEAD", "OPTIONS") and not route.path.startswith("/admin")
    }


@dataclass
class Probe:
    path: str
    json: Any = None
    content: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)


def _webhook(_: World) -> Probe:
    body, headers, _txn = World.signed_payment()
    return Probe("/v1/webhooks/standard", content=body, headers=headers)


def _codec(path: str) -> Callable[[World], Probe]:
    empty = b'{"payloads": []}'
    return lambda _: Probe(path, content=empty, headers={"content-type": "application/json"})


def _get(path: str) -> Callable[[World], Probe]:
    return lambda _: Probe(path)


def _new_account(w: World) -> Probe:
    body = {"exchange": "binance", "api_key": uuid.uuid4().hex, "api_secret": uuid.uuid4().hex}
    return Probe(f"/v1/users/{w.user_id}/exchange-accounts", json=body)


PROBES: dict[Route, Callable[[World], Probe]] = {
    ("POST", "/v1/users/{user_id}/exchange-accounts"): _new_account,
    ("POST", "/v1/profit-events"): lambda w: Probe("/v1/profit-events", json=w.new_event()),
    ("GET", "/v1/shares/{event_id}"): lambda w: Probe(f"/v1/shares/{w.stored_event}"),
    ("GET", "/v1/users/{user_id}/standing"): lambda w: Probe(f"/v1/users/{w.user_id}/standing"),
    ("POST", "/v1/shares/{event_id}/payment-proofs"): lambda w: Probe(
        f"/v1/shares/{w.to_prove}/payment-proofs", json=World.proof(w.amount_due)),
    ("POST", "/v1/shares/{event_id}/dispute"): lambda w: Probe(
        f"/v1/shares/{w.to_dispute}/dispute", json={"reason": "these were not my trades"}),
    ("POST", "/v1/admin/payment-proofs/{proof_id}/decision"): lambda w: Probe(
        f"/v1/admin/payment-proofs/{w.pending_proof}/decision", json={"decision": "reject"}),
    ("POST", "/v1/admin/shares/{event_id}/review"): lambda w: Probe(
        f"/v1/admin/shares/{w.under_review}/review", json={"decision": "reject"}),
    ("POST", "/v1/admin/shares/{event_id}/dispute-resolution"): lambda w: Probe(
        f"/v1/admin/shares/{w.disputed}/dispute-resolution", json={"outcome": "upheld"}),
    ("POST", "/v1/admin/shares/{event_id}/waive"): lambda w: Probe(
        f"/v1/admin/shares/{w.to_waive}/waive", json={"note": "goodwill"}),
    ("POST", "/v1/admin/shares/{event_id}/refund"): lambda w: Probe(
        f"/v1/admin/shares/{w.with_credit}/refund", json={"amount": "1.00"},
        headers={"Idempotency-Key": f"matrix-{uuid.uuid4().hex}"}),
    ("POST", "/v1/admin/users/{user_id}/exemption"): lambda w: Probe(
        f"/v1/admin/users/{w.user_id}/exemption", json={"exempt": True}),
    ("POST", "/v1/admin/payments/{provider}/{transaction_id}/flag"): lambda w: Probe(
        "/v1/admin/payments/{}/{}/flag".format(*w.payment), json={"note": "chargeback"}),
    ("GET", "/v1/reports"): _get("/v1/reports"),
    ("GET", "/v1/reports/overdue"): _get("/v1/reports/overdue"),
    ("GET", "/v1/reports/{kind}/latest"): _get("/v1/reports/overdue/latest?format=csv"),
    ("GET", "/v1/reports/{kind}/{period}"): lambda w: Probe(
        f"/v1/reports/overdue/{w.report_period}?format=html"),
    ("POST", "/v1/risk/assess"): lambda w: Probe(
        "/v1/risk/assess", json={"user_id": w.user_id, "action": "login"}),
    ("GET", "/v1/risk/decisions/{decision_id}"): lambda w: Probe(
        f"/v1/risk/decisions/{w.risk_decision}"),
    ("GET", "/v1/admin/risk/alerts"): _get("/v1/admin/risk/alerts"),
    ("GET", "/v1/admin/fraud-settings"): _get("/v1/admin/fraud-settings"),
    ("PUT", "/v1/admin/fraud-settings"): lambda w: Probe(
        "/v1/admin/fraud-settings", json={"settings": {}, "note": "defaults"}),
    ("POST", "/v1/admin/fraud-settings/reset"): lambda w: Probe(
        "/v1/admin/fraud-settings/reset", json={"note": "defaults"}),
    ("GET", "/v1/admin/fraud-settings/versions"): _get("/v1/admin/fraud-settings/versions"),
    ("POST", "/v1/admin/users/{user_id}/block"): lambda w: Probe(
        f"/v1/admin/users/{w.user_id}/block", json={"note": "matrix"}),
    ("POST", "/v1/admin/users/{user_id}/unblock"): lambda w: Probe(
        f"/v1/admin/users/{w.user_id}/unblock", json={"note": "matrix"}),
    ("GET", "/v1/admin/audit"): lambda w: Probe(f"/v1/admin/audit?subject=user/{w.user_id}"),
    ("POST", "/v1/webhooks/{provider}"): _webhook,
    ("GET", "/v1/admin/payment-proofs"): _get("/v1/admin/payment-proofs?status=pending"),
    ("GET", "/v1/admin/payment-proofs/{proof_id}/screenshot"): lambda w: Probe(
        f"/v1/admin/payment-proofs/{w.screenshot_proof}/screenshot"),
    ("POST", "/v1/admin/payment-proofs/{proof_id}/flag"): lambda w: Probe(
        f"/v1/admin/payment-proofs/{w.flaggable_proof}/flag", json={"note": "matrix"}),
    ("GET", "/v1/admin/risk/devices"): _get("/v1/admin/risk/devices"),
    ("POST", "/v1/admin/risk/devices/{device}/dismissals"): lambda w: Probe(
        f"/v1/admin/risk/devices/{w.shared_device[0]}/dismissals",
        json={"user_id": w.shared_device[1], "note": "matrix"}),
    ("POST", "/v1/admin/users/{user_id}/erase"): lambda w: Probe(
        f"/v1/admin/users/{w.erasable}/erase"),
    ("PUT", "/v1/admin/terms"): lambda w: Probe("/v1/admin/terms", json=w.terms),
    ("GET", "/v1/terms"): _get("/v1/terms"),
    ("POST", "/v1/users/{user_id}/consents"): lambda w: Probe(
        f"/v1/users/{w.user_id}/consents",
        json={"terms_version": w.terms["version"], "accepted_at": datetime.now(UTC).isoformat()}),
    ("GET", "/v1/users/{user_id}/consents"): lambda w: Probe(f"/v1/users/{w.user_id}/consents"),
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


@pytest.fixture
async def world(api, worker, time_skipping_env, task_queue, deps, emulator_url) -> World:
    return await build_world(api, time_skipping_env.client, task_queue, deps, emulator_url)


def token_label(credentials: dict[str, str]) -> str:
    """How a bootstrap token is named in audit entries (api/auth.py)."""
    return f"bootstrap-{hash_token(credentials['Authorization'].removeprefix('Bearer '))[:10]}"


async def _last_entry(deps) -> int:
    async with deps.sessions() as s:
        return await s.scalar(select(func.coalesce(func.max(AuditEntry.id), 0)))


async def _token_entries(deps, after: int) -> list[Actor]:
    async with deps.sessions() as s:
        actors = await s.scalars(select(AuditEntry.actor).where(AuditEntry.id > after))
    return [a for a in map(Actor.parse, actors) if a.kind == "token"]


async def test_each_caller_gets_401_403_or_2xx_as_the_contract_says(
    time_skipping_env, deps, api_settings, world
):
    app = create_app(api_settings, deps=deps, temporal=time_skipping_env.client)
    wrong: list[str] = []
    async with in_process(app) as c:
        for method, path in sorted(served(app)):
            for caller, credentials in CALLERS.items():
                probe = PROBES[(method, path)](world)
                before = await _last_entry(deps)
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
                if (method, path) in AUDITED and got == "2xx":
                    named = [(a.role, a.label) for a in await _token_entries(deps, before)]
                    if not named or set(named) != {(caller, token_label(credentials))}:
                        wrong.append(f"{method} {path} as {caller}: audit names {named}")
    assert not wrong, "\n".join(wrong)
