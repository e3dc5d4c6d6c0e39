"""Webhook source allowlists (WEBHOOK_ALLOWED_IPS_*, TRUSTED_PROXIES) and the rate limits
every endpoint has (per source address, per token): refusals in the error shape, counted."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest
from pydantic import SecretStr

from api.app import create_app
from domain.webhooks import registry
from tests.support.webhook_calls import assert_error, deliver

STANDARD = next(g for g in registry.gateways() if g.name == "standard")


def _unique_ip() -> str:
    """A documentation-range address no other test uses, so counts start from zero."""
    return f"198.51.{random.randrange(256)}.{random.randrange(1, 255)}"


@pytest.fixture
async def client_from(api_settings, deps, time_skipping_env):
    clients: list[httpx.AsyncClient] = []

    def make(ip: str, **update) -> httpx.AsyncClient:
        app = create_app(api_settings.model_copy(update=update), deps=deps,
                         temporal=time_skipping_env.client)  # fmt: skip
        transport = httpx.ASGITransport(app=app, client=(ip, 40000))
        clients.append(httpx.AsyncClient(transport=transport, base_url="http://api"))
        return clients[-1]

    yield make
    for client in clients:
        await client.aclose()


def _signed(creds) -> tuple[bytes, dict]:
    body = STANDARD.example(f"PSNOREF{uuid.uuid4().hex[:6]}", f"t_{uuid.uuid4().hex[:8]}",
                            Decimal("5.00"), True)  # fmt: skip
    return body, STANDARD.sign(body, creds, datetime.now(UTC))


async def test_a_callback_from_outside_the_allowlist_is_403_and_counted(client_from, creds):
    api = client_from("127.0.0.1", webhook_allowed_ips_standard="203.0.113.0/24")
    body, headers = _signed(creds)
    response = await deliver(api, STANDARD, body, headers)
    assert_error(response, 403, "forbidden")
    metrics = (await api.get("/metrics")).text
    counted = 'profitshare_webhook_rejections_total{provider="standard",reason="source"} 1.0'
    assert counted in metrics


async def test_inside_the_allowlist_directly_or_through_a_trusted_proxy(client_from, creds):
    direct = client_from("203.0.113.7", webhook_allowed_ips_standard="203.0.113.0/24")
    body, headers = _signed(creds)
    assert (await deliver(direct, STANDARD, body, headers)).json() == {"result": "unmatched"}

    proxied = client_from("10.0.0.5", webhook_allowed_ips_standard="203.0.113.0/24",
                          trusted_proxies="10.0.0.0/8")  # fmt: skip
    body, headers = _signed(creds)
    forwarded = {**headers, "X-Forwarded-For": "203.0.113.9, 10.0.0.4"}
    assert (await deliver(proxied, STANDARD, body, forwarded)).json() == {"result": "unmatched"}
    # A client cannot claim an allowed address itself: only what the proxy appended counts.
    spoofed = {**headers, "X-Forwarded-For": "203.0.113.9, 192.0.2.1"}
    assert_error(await deliver(proxied, STANDARD, body, spoofed), 403, "forbidden")
    untrusted = client_from("192.0.2.50", webhook_allowed_ips_standard="203.0.113.0/24")
    fake = {**headers, "X-Forwarded-For": "203.0.113.9"}
    assert_error(await deliver(untrusted, STANDARD, body, fake), 403, "forbidden")


async def test_the_21st_request_of_a_burst_from_one_address_is_429(client_from):
    api = client_from(_unique_ip(), rate_limit_per_ip="20/minute")
    ops = {"Authorization": "Bearer test-ops"}
    answers = [(await api.get(f"/v1/shares/evt_none{i}", headers=ops)).status_code
               for i in range(21)]  # fmt: skip
    assert answers == [404] * 20 + [429]
    last = await api.get("/v1/shares/evt_none", headers=ops)
    assert_error(last, 429, "rate_limited")
    assert 1 <= int(last.headers["Retry-After"]) <= 60
    metrics = (await api.get("/metrics")).text
    assert 'profitshare_rate_limited_total{scope="ip"}' in metrics


async def test_the_21st_request_with_one_token_is_429_from_any_address(client_from):
    token = f"tok-{uuid.uuid4().hex}"
    update = {"rate_limit_per_token": "20/minute",
              "bootstrap_tokens": SecretStr(f"ops:{token}")}  # fmt: skip
    headers = {"Authorization": f"Bearer {token}"}
    answers = []
    for i in range(21):  # a new address each time: the token is what is counted
        api = client_from(_unique_ip(), **update)
        answers.append((await api.get(f"/v1/shares/evt_none{i}", headers=headers)).status_code)
    assert answers == [404] * 20 + [429]


async def test_a_concurrent_burst_lets_exactly_the_limit_through(client_from):
    api = client_from(_unique_ip(), rate_limit_per_ip="20/minute")
    ops = {"Authorization": "Bearer test-ops"}
    burst = await asyncio.gather(*(api.get(f"/v1/shares/evt_b{i}", headers=ops) for i in range(25)))
    assert Counter(r.status_code for r in burst) == {404: 20, 429: 5}
