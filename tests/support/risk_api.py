"""The risk API as the backend and an admin call it in tests."""

from __future__ import annotations

from tests.support.api import ADMIN, BACKEND

ASSESS = "/v1/risk/assess"


async def assess(api, **body) -> dict:
    response = await api.post(ASSESS, json={"action": "login", **body}, headers=BACKEND)
    assert response.status_code == 200, response.text
    return response.json()


def rules(result: dict) -> dict[str, int]:
    return {reason["rule"]: reason["points"] for reason in result["reasons"]}


async def put_settings(api, **settings) -> None:
    response = await api.put("/v1/admin/fraud-settings", json={"settings": settings}, headers=ADMIN)
    assert response.status_code == 200, response.text
