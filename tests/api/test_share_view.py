"""GET /v1/shares/{event_id}: the Share as CONTRACT.md spells it."""

from __future__ import annotations

import pytest

from domain.models import OPENING_STATUSES
from tests.support.api import BACKEND, OPS
from tests.support.scenario import event_body, eventually

# CONTRACT.md: "Every amount is a fixed-point string with exactly the currency's decimal
# places" (USDT: 2); reported_profit kept the backend's spelling ("1000", "1000.5").
SPELLINGS = [("1E+3", "1000.00"), ("1000", "1000.00"), ("1000.5", "1000.50")]


async def _share(api, event_id: str) -> dict:
    response = await api.get(f"/v1/shares/{event_id}", headers=OPS)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize(("reported", "shown"), SPELLINGS)
async def test_a_received_shares_reported_profit_has_the_currencys_places(
    api, deps, emulator_url, reported, shown
):
    body = await event_body(deps, emulator_url, reported_profit=reported)
    assert (await api.post("/v1/profit-events", json=body, headers=BACKEND)).status_code == 202
    share = await _share(api, body["event_id"])
    assert (share["status"], share["reported_profit"]) == ("received", shown)


async def test_an_opened_shares_reported_profit_has_the_currencys_places(
    api, worker, deps, emulator_url
):
    body = await event_body(deps, emulator_url, reported_profit="1E+3")
    assert (await api.post("/v1/profit-events", json=body, headers=BACKEND)).status_code == 202

    async def opened():
        share = await _share(api, body["event_id"])
        return share if share["status"] not in OPENING_STATUSES else None

    share = await eventually(opened, timeout=20)
    assert share["reported_profit"] == "1000.00"
