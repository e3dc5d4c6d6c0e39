"""Schemathesis over our own OpenAPI document: whatever it sends, no request earns a 5xx, and
every refusal has the contract's error shape.

The app runs in-process on Schemathesis' ASGI client (its own event loop, its own lifespan,
so its database pool and Temporal client are made there), on the test database and a
time-skipping Temporal server. Each operation is called with a token it accepts.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import psycopg
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from config.settings import Settings
from runtime.client import data_converter
from tests.support.api import ADMIN, BACKEND, STANDARD_SECRET
from tests.support.servers import time_skipping_server

# The document depends only on the routes: it is built at import from an app that is never
# served (the lazy fixture loader does not work with pytest 9); every call goes in-process to
# the module's real app, which has the test database and a Temporal server.
_DOCUMENT_ONLY = create_app(Settings(codec_key="openapi-document-only"))
schema = schemathesis.openapi.from_dict(_DOCUMENT_ONLY.openapi())
schema.app = _DOCUMENT_ONLY  # selects Schemathesis' ASGI transport: no network
# Enough to cover every field's edge cases (the coverage phase) plus random bodies; the
# whole module stays well under a minute.
EXAMPLES_PER_OPERATION = 40


@pytest.fixture(scope="module")
async def fuzz_temporal(settings) -> AsyncIterator[WorkflowEnvironment]:
    env = await time_skipping_server(data_converter(settings))
    yield env
    await env.shutdown()


@pytest.fixture(scope="module", autouse=True)
def forget_fuzzed_terms(database_url):
    """Terms the fuzzer put in force would stop every later test's users trading."""
    yield
    with psycopg.connect(database_url.replace("+psycopg", "")) as conn:
        conn.execute(
            "DELETE FROM consents WHERE terms_version IN "
            "(SELECT version FROM terms WHERE effective_at < '2099-01-01')"
        )
        conn.execute("DELETE FROM terms WHERE effective_at < '2099-01-01'")


@pytest.fixture(scope="module")
def fuzz_app(settings, fuzz_temporal):
    """Its lifespan runs on Schemathesis' loop: the database pool and Temporal client live there."""
    address = fuzz_temporal.client.service_client.config.target_host
    update = {"temporal_address": address, "standard_webhook_secret": STANDARD_SECRET}
    return create_app(settings.model_copy(update=update))


def _call(case, app):
    """Admin first (it may do all ops may); the backend's own operations refuse it with 403."""
    response = case.call(app=app, headers=ADMIN)
    if response.status_code == 403:
        response = case.call(app=app, headers=BACKEND)
    return response


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_input_gets_a_server_error_and_every_refusal_has_the_error_shape(case, fuzz_app):
    response = _call(case, fuzz_app)
    request = f"{case.method} {case.formatted_path} -> {response.status_code} {response.text[:300]}"
    assert response.status_code < 500, request
    if response.status_code >= 400:
        error = response.json().get("error")
        assert isinstance(error, dict) and set(error) == {"code", "message", "details"}, request
