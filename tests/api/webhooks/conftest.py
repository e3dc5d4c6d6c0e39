"""Every registered gateway configured, a PhonePe PG v2 emulator that calls the in-process
API back, and helpers the webhook tests share (bodies and headers come from each gateway's
own module, so a new gateway is covered by registering it)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from domain.webhooks import registry
from emulators import phonepe
from emulators.serve import serving
from stack.secrets import dev_value

_CALLBACK_TARGET: dict[str, httpx.AsyncClient] = {}


@pytest.fixture(scope="session")
async def gateway_emulator() -> AsyncIterator[dict[str, Any]]:
    """The PhonePe emulator under /phonepe, with credentials made as the dev stack makes
    them; its callbacks go to whichever test API is current."""

    async def deliver(body: bytes, headers: dict[str, str]) -> int:
        return (await _CALLBACK_TARGET["api"].post("/v1/webhooks/phonepe", content=body,
                                                   headers=headers)).status_code  # fmt: skip

    root = FastAPI()
    async with serving(root) as url:
        creds: dict[str, str] = {}
        for gateway in registry.gateways():
            for setting in gateway.settings:
                creds[setting.name] = dev_value(setting.dev_value, url)
        pg = phonepe.create_app(
            client_id=creds["phonepe_client_id"], client_secret=creds["phonepe_client_secret"],
            callback_username=creds["phonepe_callback_username"],
            callback_password=creds["phonepe_callback_password"], deliver=deliver,
        )  # fmt: skip
        root.mount("/phonepe", pg)
        root.mount("/_emulator/phonepe", pg.state.control)
        yield {"url": url, "creds": creds, "phonepe": pg}


@pytest.fixture
def creds(gateway_emulator) -> dict[str, str]:
    return gateway_emulator["creds"]


@pytest.fixture
def api_settings(settings, emulator_url, task_queue, creds):
    """Overrides tests/api/conftest.py: every gateway configured, shares billed in INR."""
    update: dict[str, Any] = {name: SecretStr(value) for name, value in creds.items()}
    update |= {"exchange_base_url": emulator_url, "task_queue": task_queue}
    update |= {"billing_currency": "INR"}
    return settings.model_copy(update=update)


@pytest.fixture(autouse=True)
def _callbacks_reach(api) -> None:
    _CALLBACK_TARGET["api"] = api
