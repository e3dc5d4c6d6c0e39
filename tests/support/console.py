"""The admin console as a person drives it: signing in over HTTP, form CSRF tokens, screenshots."""

from __future__ import annotations

import os
import re
from pathlib import Path

CSRF = re.compile(r'name="csrf" value="([^"]+)"')

ROOT = Path(__file__).resolve().parents[2]

ARTIFACTS = Path(os.environ.get("PROFITSHARE_ARTIFACTS", ROOT / "test-artifacts")) / "console"


async def sign_in(api, token: str):
    form = await api.get("/admin/sign-in")
    csrf = CSRF.search(form.text).group(1)
    return await api.post("/admin/sign-in", data={"token": token, "csrf": csrf})


async def csrf_of(api, path: str = "/admin/review") -> str:
    page = await api.get(path)
    assert page.status_code == 200, page.text
    return CSRF.search(page.text).group(1)


async def shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path
