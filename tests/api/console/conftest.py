"""The console served for real (uvicorn on a free port) and a real Chromium driving it.

Playwright drives Debian's `chromium` package (/usr/bin/chromium): Playwright's own browser
download needs the internet. ./scripts/test installs the package when it runs as root;
otherwise the browser tests are skipped with the command that makes them run.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import uvicorn

from api.app import create_app
from stack.processes import free_port

# Screenshots of each page, kept as test artifacts (gitignored; CI uploads the folder).
CHROMIUM = os.environ.get("PROFITSHARE_CHROMIUM") or shutil.which("chromium") or ""
HOW = "install Debian's chromium (apt-get install -y chromium; ./scripts/test does it as root)"


@pytest.fixture
async def console_url(time_skipping_env, deps, api_settings) -> AsyncIterator[str]:
    app = create_app(api_settings, deps=deps, temporal=time_skipping_env.client)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


@pytest.fixture
async def browser() -> AsyncIterator[object]:
    async_api = pytest.importorskip("playwright.async_api", reason=f"playwright missing; {HOW}")
    if not CHROMIUM or not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium for the browser tests: {HOW}")
    async with async_api.async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM)
        yield browser
        await browser.close()
