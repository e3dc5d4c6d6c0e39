"""API tests run the API in-process with a real worker; those fixtures (`api`, `worker`,
`api_settings`) live in tests/conftest.py, shared with the chaos tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.support.risk import restore_default_fraud_settings


@pytest.fixture
async def default_fraud_settings(deps) -> AsyncIterator[None]:
    """For tests that change the fraud settings: the defaults are back in force afterwards."""
    await restore_default_fraud_settings(deps)
    yield
    await restore_default_fraud_settings(deps)
