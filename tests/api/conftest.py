"""API tests run the API in-process with a real worker; those fixtures (`api`, `worker`,
`api_settings`) live in tests/conftest.py, shared with the chaos tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.support.risk import restore_default_fraud_settings
from tests.support.scenario import share_in, submit_event


@pytest.fixture
async def default_fraud_settings(deps) -> AsyncIterator[None]:
    """For tests that change the fraud settings: the defaults are back in force afterwards."""
    await restore_default_fraud_settings(deps)
    yield
    await restore_default_fraud_settings(deps)


@pytest.fixture
async def open_share(api, worker, deps, emulator_url) -> str:
    """A share opened through the API by a real worker (1000 USDT profit, 150.00 billed)."""
    event_id = await submit_event(api, deps, emulator_url, profit="1000", reported="1000")
    await share_in(api, event_id, "open")
    return event_id
