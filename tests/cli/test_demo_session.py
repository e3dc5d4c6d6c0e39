"""The session `profitshare demo` and the benchmarks seed: the API accepts its event."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx

from cli.demo import event_body, seed_session
from tests.support.api import BACKEND


async def test_the_seeded_session_is_a_profit_event_the_api_accepts(api, emulator_url):
    suffix = uuid.uuid4().hex[:8]
    user_id, start = (
        f"u_demo_{suffix}",
        datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1),
    )
    api.headers.update(BACKEND)
    async with httpx.AsyncClient(base_url=emulator_url) as emulator:
        account_id = await seed_session(
            api, emulator, user_id=user_id, api_key=f"k-{suffix}", api_secret="s" * 16, start=start
        )
    body = event_body(
        event_id=f"evt_{suffix}",
        user_id=user_id,
        account_id=account_id,
        session_id=f"s_{suffix}",
        start=start,
        device_fingerprint=f"fp_{suffix}",
    )
    response = await api.post("/v1/profit-events", json=body)
    assert response.status_code == 202, response.text
