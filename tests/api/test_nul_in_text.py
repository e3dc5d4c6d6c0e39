"""Text PostgreSQL cannot hold (a NUL) is an invalid value, refused where it comes in: 404 or
422 in the contract's shape, never 503 ("a dependency is down, retry later"), which would
send the client into retries that cannot succeed and log a database outage."""

from __future__ import annotations

import psycopg
import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy.exc import DataError

from api import errors
from tests.support.api import ADMIN, BACKEND, OPS

PROOF = {"transaction_id": "412345678901", "amount": "1.00", "currency": "USDT",
         "paid_at": "2026-01-01T00:00:00Z"}  # fmt: skip


@pytest.mark.parametrize(
    ("method", "url", "headers", "body"),
    [
        ("GET", "/v1/shares/evt%00x", OPS, None),
        ("GET", "/v1/users/u%00x/standing", OPS, None),
        ("GET", "/v1/reports/overdue/2026-01-01%00", OPS, None),
        ("POST", "/v1/shares/evt%00x/dispute", BACKEND, {"reason": "wrong"}),
        ("POST", "/v1/shares/evt%00x/payment-proofs", BACKEND, PROOF),
        ("POST", "/v1/admin/shares/evt%00x/waive", ADMIN, {"note": "x"}),
        ("POST", "/v1/admin/shares/evt%00x/review", ADMIN, {"decision": "approve", "note": "x"}),
        ("POST", "/v1/admin/shares/evt%00x/refund", ADMIN, {"amount": "1.00", "note": "x"}),
        ("POST", "/v1/admin/payment-proofs/p%00x/decision", ADMIN,
         {"decision": "approve", "note": "x"}),
        ("POST", "/v1/admin/users/u%00x/exemption", ADMIN, {"exempt": True}),
        ("POST", "/v1/admin/payments/standard/t%00x/flag", ADMIN, {"note": "x"}),
    ],
)  # fmt: skip
async def test_a_nul_in_a_path_id_is_an_invalid_id_not_a_database_outage(
    api, method, url, headers, body
):
    extra = {"idempotency-key": "nul-in-path-1"} if url.endswith("/refund") else {}
    response = await api.request(method, url, headers={**headers, **extra}, json=body)
    assert response.status_code in (404, 422), (response.status_code, response.text)
    assert response.json()["error"]["code"] in ("not_found", "invalid")


@pytest.mark.parametrize(
    ("method", "url", "body", "field"),
    [
        ("POST", "/v1/risk/assess", {"user_id": "u_nul", "action": "login",
                                     "api_key_fingerprint": "a\u0000b"}, "api_key_fingerprint"),
        ("POST", "/v1/risk/assess", {"user_id": "u_nul", "action": "login",
                                     "device_fingerprint": "a\u0000b"}, "device_fingerprint"),
        ("PUT", "/v1/admin/fraud-settings", {"settings": {}, "note": "a\u0000b"}, "note"),
        ("POST", "/v1/admin/fraud-settings/reset", {"note": "a\u0000b"}, "note"),
        ("POST", "/v1/admin/users/u_nul/exemption", {"exempt": True, "note": "a\u0000b"}, "note"),
    ],
)  # fmt: skip
async def test_a_nul_in_a_body_field_is_a_422_naming_the_field(
    api, default_fraud_settings, method, url, body, field
):
    headers = BACKEND if url.startswith("/v1/risk") else ADMIN
    response = await api.request(method, url, headers=headers, json=body)
    assert response.status_code == 422, (response.status_code, response.text)
    assert field in {d["field"] for d in response.json()["error"]["details"]}


async def test_a_nul_that_reaches_the_database_anyway_is_a_422_not_an_outage():
    app = FastAPI()
    errors.install(app)
    refused = psycopg.DataError("PostgreSQL text fields cannot contain NUL (0x00) bytes")

    @app.get("/write")
    async def write() -> None:
        raise DataError("INSERT ...", {}, refused)

    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://api") as client:
        response = await client.get("/write")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid"
