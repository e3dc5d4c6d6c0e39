"""The admin console's pages, rendered one at a time over HTTP with the bench's shares in
the database (10,000 and more after the scale phase): the time an operator waits."""

from __future__ import annotations

import re
from typing import Any

import httpx

from benchmarks.latency import read_latency

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def pages(event_id: str, user_id: str) -> dict[str, str]:
    return {
        "review_queue": "/admin/review",
        "payments": "/admin/proofs",
        "share": f"/admin/shares/{event_id}",
        "user": f"/admin/users/{user_id}",
        "fraud_settings": "/admin/fraud-settings",
        "alerts": "/admin/alerts",
        "reports": "/admin/reports",
    }


async def sign_in(client: httpx.AsyncClient, token: str) -> None:
    form = await client.get("/admin/sign-in")
    match = _CSRF.search(form.text)
    assert match, "the sign-in page has no CSRF field"
    signed = await client.post("/admin/sign-in", data={"token": token, "csrf": match.group(1)})
    if signed.status_code != 303:
        raise RuntimeError(f"console sign-in failed: {signed.status_code}")


async def page_latency(
    base_url: str, admin_token: str, event_id: str, user_id: str, samples: int
) -> dict[str, Any]:
    """p50/p95/p99 ms per page, and the slowest page's p95 (the figure with a target)."""
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        await sign_in(client, admin_token)
        figures: dict[str, Any] = {
            name: await read_latency(client, [path], samples)
            for name, path in pages(event_id, user_id).items()
        }
    figures["slowest_p95"] = max(f["p95"] for f in figures.values())
    figures["samples"] = samples
    return figures
