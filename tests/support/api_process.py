"""`profitshare api` in a process of its own, configured only by what a test gives it, so a
test can run a second replica beside its in-process app, or kill one with SIGKILL."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from stack.processes import free_port, wait_for_port


@asynccontextmanager
async def api_process(
    settings, *, tokens: str, **extra: str
) -> AsyncIterator[tuple[subprocess.Popen, str]]:
    """Yields the process and its base URL; `tokens` are its BOOTSTRAP_TOKENS (real-looking:
    a process refuses placeholders), `extra` more PROFITSHARE_ variables by name."""
    port = free_port()
    values = {
        "API_PORT": str(port),
        "DATABASE_URL": settings.database_url,
        "FERNET_KEYS": settings.fernet_keys.get_secret_value(),
        "HASH_KEY": settings.hash_key.get_secret_value(),
        "CODEC_KEY": settings.codec_key.get_secret_value(),
        "BOOTSTRAP_TOKENS": tokens,
        "IP_INTEL_DIR": str(settings.ip_intel_dir),
        "DATA_DIR": "/nonexistent",  # no dev.env: only what is given here
        **extra,
    }
    env = {**os.environ, **{f"PROFITSHARE_{k}": v for k, v in values.items()}}
    process = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "api"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        await asyncio.to_thread(
            wait_for_port, "127.0.0.1", port, timeout=60, process=process, name="api"
        )
        yield process, f"http://127.0.0.1:{port}"
    finally:
        if process.poll() is None:
            process.terminate()
        await asyncio.to_thread(process.wait, 10)
