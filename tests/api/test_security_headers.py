"""Security headers on every answer, the docs still usable, CORS only for the Temporal UI."""

from __future__ import annotations

import httpx
import pytest

from api.app import create_app
from tests.api.conftest import BACKEND

UI = "https://temporal.example.com"


@pytest.fixture
async def client(settings, deps):
    app = create_app(settings.model_copy(update={"temporal_ui_origin": UI}), deps=deps)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://api") as c:
        yield c


def _hardened(response: httpx.Response) -> None:
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


async def test_json_answers_and_errors_are_hardened(client):
    answers = [
        await client.get("/healthz"),
        await client.get("/v1/shares/evt_none", headers=BACKEND),  # 404
        await client.get("/v1/shares/evt_none"),  # 401
        await client.post("/v1/profit-events", content=b"x" * 70_000, headers=BACKEND),  # 413
    ]
    assert [r.status_code for r in answers] == [200, 404, 401, 413]
    for response in answers:
        _hardened(response)
        assert response.headers["content-security-policy"].startswith("default-src 'none'")


async def test_the_docs_still_load_their_scripts(client):
    for path in ("/docs", "/redoc"):
        page = await client.get(path)
        assert page.status_code == 200 and "<script" in page.text
        _hardened(page)
        # Swagger UI and ReDoc come from a CDN: a default-src 'none' would blank the page.
        assert "default-src" not in page.headers["content-security-policy"]
    assert (await client.get("/openapi.json")).json()["info"]["title"] == "profitshare"


async def test_only_the_configured_temporal_ui_may_call_the_codec_from_a_browser(client):
    preflight = {"access-control-request-method": "POST",
                 "access-control-request-headers": "authorization,content-type"}
    allowed = await client.options("/codec/decode", headers={"origin": UI, **preflight})
    assert allowed.headers["access-control-allow-origin"] == UI
    for origin in ("http://localhost:8233", "https://evil.example"):
        refused = await client.options("/codec/decode", headers={"origin": origin, **preflight})
        assert "access-control-allow-origin" not in refused.headers
    # A simple cross-origin GET of the API gets no CORS grant either.
    other = await client.get("/healthz", headers={"origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers
