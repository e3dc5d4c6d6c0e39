"""A fraud-settings change made through one API process applies in another one.

The second process is a real `profitshare api` on its own port, on the same database.
How soon it applies is bounded by the cache TTL (tests/db/risk/test_settings_cache.py
proves the bound with a controlled clock); here the lag is only measured and printed.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from db.tokens import new_token
from stack.processes import free_port, wait_for_port
from tests.support.api import ADMIN
from tests.support.risk import LISTED, uid
from tests.support.scenario import eventually

SECOND_BACKEND = new_token("backend")


@pytest.fixture
async def second_api(api_settings) -> AsyncIterator[httpx.AsyncClient]:
    port = free_port()
    values = {
        "API_PORT": str(port),
        "DATABASE_URL": api_settings.database_url,
        "FERNET_KEYS": api_settings.fernet_keys.get_secret_value(),
        "HASH_KEY": api_settings.hash_key.get_secret_value(),
        "CODEC_KEY": api_settings.codec_key.get_secret_value(),
        # A real-looking token: the process refuses placeholders (config/secret_check.py).
        "BOOTSTRAP_TOKENS": f"backend:{SECOND_BACKEND}",
        "IP_INTEL_DIR": str(api_settings.ip_intel_dir),
        "DATA_DIR": "/nonexistent",  # no dev.env: only what is given here
    }
    env = {**os.environ, **{f"PROFITSHARE_{k}": v for k, v in values.items()}}
    process = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "api"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        await asyncio.to_thread(
            wait_for_port, "127.0.0.1", port, timeout=60, process=process, name="api"
        )
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            yield client
    finally:
        process.terminate()
        await asyncio.to_thread(process.wait, 10)


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
