"""Review of the non-payment HTTP surface (branch rev-api): each test shows one finding and
fails on main. Production code is not changed here."""

from __future__ import annotations

import pytest

from tests.support.api import BACKEND, OPS
from tests.support.scenario import event_body


def _raw_client(deps, api_settings, time_skipping_env):
    """The app as a server would answer: an unhandled exception is a 500, not re-raised."""
    import httpx

    from api.app import create_app

    app = create_app(api_settings, deps=deps, temporal=time_skipping_env.client)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://api")


# --- 6. reported_profit is not given with the currency's decimal places --------------------
@pytest.mark.parametrize("reported", ["1E+3", "1000.5", "1000"])
async def test_reported_profit_has_the_currencys_places(api, deps, emulator_url, reported):
    body = await event_body(deps, emulator_url, reported_profit=reported)
    assert (await api.post("/v1/profit-events", json=body, headers=BACKEND)).status_code == 202
    share = (await api.get(f"/v1/shares/{body['event_id']}", headers=OPS)).json()
    # CONTRACT.md: "Every amount is a fixed-point string with exactly the currency's decimal
    # places" (USDT: 2). Seen: "1000", "1000.5" (also after the share opened).
    assert share["reported_profit"] in ("1000.00", "1000.50"), share["reported_profit"]
