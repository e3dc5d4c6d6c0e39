"""Bodies over the limit are 413, however they are sent (api/limits.py)."""

from __future__ import annotations

import pytest

from tests.support.api import BACKEND


async def _chunks():
    yield b'{"pad": "'
    for _ in range(12):  # 192 KiB, three times the limit
        yield b"x" * 16384
    yield b'"}'


@pytest.mark.parametrize("url", ["/v1/profit-events", "/v1/risk/assess", "/v1/users/u_1/consents"])
async def test_a_chunked_body_over_the_limit_is_413_on_json_model_routes(api, url):
    """No Content-Length: the limit is passed while FastAPI reads the body for the model,
    inside an `except Exception` that made it a 400 "error parsing the body"."""
    response = await api.post(
        url, content=_chunks(), headers={**BACKEND, "content-type": "application/json"}
    )
    assert "content-length" not in response.request.headers
    assert response.status_code == 413, (response.status_code, response.text)
    assert response.json()["error"]["code"] == "too_large"


async def test_a_chunked_body_under_the_limit_is_read_as_usual(api):
    async def small():
        yield b"{not json"

    response = await api.post(
        "/v1/profit-events",
        content=small(),
        headers={**BACKEND, "content-type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed"
