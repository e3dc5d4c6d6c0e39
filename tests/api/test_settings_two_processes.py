"""A fraud-settings change made through one API process applies in another one.

The second process is a real `profitshare api` on its own port, on the same database.
How soon it applies is bounded by the cache TTL (tests/db/risk/test_settings_cache.py
proves the bound with a controlled clock); here the lag is only measured and printed.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import httpx
import pytest

from db.tokens import new_token
from tests.support.api import ADMIN
from tests.support.api_process import api_process
from tests.support.risk import LISTED, uid
from tests.support.scenario import eventually

SECOND_BACKEND = new_token("backend")


@pytest.fixture
async def second_api(api_settings) -> AsyncIterator[httpx.AsyncClient]:
    async with (
        api_process(api_settings, tokens=f"backend:{SECOND_BACKEND}") as (_, url),
        httpx.AsyncClient(base_url=url) as client,
    ):
        yield client


async def test_a_new_setting_applies_in_another_process(api, second_api, default_fraud_settings):
    body = {"user_id": uid(), "action": "login", "ip": LISTED["vpn"]}

    async def decision_there() -> str:
        response = await second_api.post(
            "/v1/risk/assess", json=body, headers={"Authorization": f"Bearer {SECOND_BACKEND}"}
        )
        assert response.status_code == 200, response.text
        return response.json()["decision"]

    assert await decision_there() == "alert"  # the other process has the defaults cached

    response = await api.put(
        "/v1/admin/fraud-settings", json={"settings": {"vpn_blocks": True}}, headers=ADMIN
    )
    assert response.status_code == 200
    changed_at = time.monotonic()

    async def blocks_there() -> bool:
        return await decision_there() == "block"

    await eventually(blocks_there)
    print(f"applied in the other process after {time.monotonic() - changed_at:.3f} s")
