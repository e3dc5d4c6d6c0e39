"""Run an emulator: `serve()` blocks (dev stack, CLI); `running()` embeds one in a loop.

`serving()` puts any ASGI app on a free loopback port of the current event loop: the
Binance and Razorpay emulators, and the little receivers tests stand up.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import uvicorn

from emulators import phonepe, razorpay
from emulators.binance import create_app


def serve(port: int, host: str = "127.0.0.1", *, settings: Any = None) -> None:
    """Serve the emulators in the foreground until interrupted: Binance at the root,
    PhonePe under /phonepe and Razorpay under /razorpay (CONTRACT.md)."""
    uvicorn.run(combined(settings), host=host, port=port, log_level="warning")


def combined(settings: Any = None) -> Any:
    """One app for the dev stack; PhonePe answers with the stack's client and callback
    credentials and calls back the API on API_PORT."""
    app = create_app()
    value = settings.gateway_value if settings is not None else (lambda name: None)
    api = f"http://127.0.0.1:{settings.api_port}" if settings is not None else None
    pg = phonepe.create_app(
        client_id=value("phonepe_client_id") or "PSEMULATOR",
        client_secret=value("phonepe_client_secret") or "emulator-secret",
        callback_url=f"{api}/v1/webhooks/phonepe" if api else None,
        callback_username=value("phonepe_callback_username") or "phonepe",
        callback_password=value("phonepe_callback_password") or "phonepe-callback",
    )
    app.mount("/phonepe", pg)
    app.mount("/_emulator/phonepe", pg.state.control)
    key_id = getattr(settings, "razorpay_key_id", None) or "rzp_test_emulator"
    secret = getattr(settings, "razorpay_key_secret", None)
    app.mount("/razorpay", razorpay.create_app(
        key_id=key_id, key_secret=secret.get_secret_value() if secret else "emulator_secret"
    ))  # fmt: skip
    return app


class _EmbeddedServer(uvicorn.Server):
    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        # The host process (pytest, the dev stack) owns Ctrl-C; uvicorn must not take it.
        yield


@asynccontextmanager
async def serving(app: Any, *, host: str = "127.0.0.1", port: int = 0) -> AsyncIterator[str]:
    """Serve `app` on the current event loop; yields its base URL. port=0 binds a free port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    config = uvicorn.Config(app, log_level="warning", lifespan="off")
    server = _EmbeddedServer(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():  # startup failed: surface uvicorn's error instead of hanging
                task.result()
                raise RuntimeError("server exited during startup")
            await asyncio.sleep(0.01)
        yield f"http://{host}:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        await task
        sock.close()


@asynccontextmanager
async def running(
    *, host: str = "127.0.0.1", port: int = 0, **app_kwargs: Any
) -> AsyncIterator[str]:
    """Serve a fresh Binance emulator on the current event loop; yields its base URL.

    Keyword arguments go to `create_app` (rate_limit_per_minute, clock_offset_ms).
    """
    async with serving(create_app(**app_kwargs), host=host, port=port) as url:
        yield url
