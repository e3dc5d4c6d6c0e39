"""Adding a gateway is its module and one registry line: AcmePay (tests/support/gateways/
acmepay.py, nothing else) takes a payment through the real webhook route and workflow, is
configured through the settings, checked by the settings check and rate limited per path."""

from __future__ import annotations

import os
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest

from api.app import create_app
from config.settings import load_settings
from domain.webhooks import registry
from tests.support.gateways import acmepay
from tests.support.webhook_calls import assert_error, deliver, open_share, payments, wait_status


@pytest.fixture
def acme():
    registry.register(acmepay.GATEWAY)  # the one registry line
    yield acmepay.GATEWAY
    registry.unregister(acmepay.GATEWAY.name)


@pytest.fixture
def api_settings(api_settings, acme):
    return api_settings.model_copy(update={"acmepay_secret": "acme-test-secret"})


async def test_a_fifth_gateway_pays_a_share_through_the_webhook_route(
    acme, api, worker, deps, emulator_url
):
    opened = await open_share(api, deps, emulator_url)
    txn, creds = f"acme_{opened['event_id'][-8:]}", {"acmepay_secret": "acme-test-secret"}
    body = acme.example(opened["payment_reference"], txn, Decimal(opened["amount_due"]), True)
    response = await deliver(api, acme, body, acme.sign(body, creds, datetime.now(UTC)))
    assert (response.status_code, response.json()) == (200, {"result": "applied"})
    paid = await wait_status(api, opened["event_id"], "paid")
    assert [(p["transaction_id"], p["applied"]) for p in paid["payments"]] == [(txn, True)]
    assert [r.status for r in await payments(deps, "acmepay", txn)] == ["applied"]

    forged = await deliver(api, acme, body, acme.sign(body, {"acmepay_secret": "x"},
                                                        datetime.now(UTC)))  # fmt: skip
    assert_error(forged, 401, "unauthorized")


def test_its_setting_is_read_from_the_environment(acme, monkeypatch):
    monkeypatch.setenv("PROFITSHARE_ACMEPAY_SECRET", "from-the-env")
    monkeypatch.setenv("PROFITSHARE_WEBHOOK_ALLOWED_IPS_ACMEPAY", "203.0.113.0/24")
    settings = load_settings()
    assert settings.gateway_value("acmepay_secret") == "from-the-env"
    assert settings.gateway_value("webhook_allowed_ips_acmepay") == "203.0.113.0/24"
    assert "from-the-env" not in repr(settings)  # a secret never prints
    assert os.environ["PROFITSHARE_ACMEPAY_SECRET"] == "from-the-env"


async def test_its_path_is_rate_limited_on_its_own(api_settings, deps, time_skipping_env):
    # Under a path of its own, so the count starts at zero however often the test runs.
    path = f"acme{uuid.uuid4().hex[:8]}"
    acme = registry.register(replace(acmepay.GATEWAY, name=path, path=path))
    app = create_app(api_settings.model_copy(update={"rate_limit_webhooks": "20/minute"}),
                     deps=deps, temporal=time_skipping_env.client)  # fmt: skip
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://api") as api:  # fmt: skip
        answers = [(await deliver(api, acme, b"{}", {})).status_code for _ in range(21)]
    registry.unregister(path)
    assert answers == [401] * 20 + [429]
