"""Intake → open: profit events over HTTP until their shares are open in Postgres.

"Open" is the end of the workflow's synchronous work: screened, verified against the
emulator with ccxt, and recorded (encrypted, sealed, audited) in Postgres.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import httpx
from sqlalchemy import func, select

from benchmarks.load import bounded, wait_for_count
from db.models import Share
from runtime.deps import Deps


async def count_shares(deps: Deps, tag: str, status: str) -> int:
    async with deps.sessions() as s:
        return await s.scalar(
            select(func.count())
            .select_from(Share)
            .where(Share.event_id.like(f"evt_{tag}_%"), Share.status == status)
        )


async def wait_for_shares(
    deps: Deps,
    tag: str,
    status: str,
    target: int,
    *,
    timeout: float,
    on_progress: Callable[[int], None] | None = None,
) -> None:
    """Until `target` shares of the events tagged `tag` are in `status`."""
    await wait_for_count(
        lambda: count_shares(deps, tag, status),
        target,
        label=f"{tag} {status}",
        timeout=timeout,
        on_progress=on_progress,
    )


async def post_event(api: httpx.AsyncClient, body: dict) -> None:
    """One profit event to intake; anything but 202 (accepted) fails the run."""
    response = await api.post("/v1/profit-events", json=body)
    if response.status_code != 202:
        raise RuntimeError(f"intake answered {response.status_code}: {response.text}")


async def submit(api: httpx.AsyncClient, bodies: list[dict]) -> None:
    await bounded(bodies, lambda body: post_event(api, body))


async def submit_paced(
    api: httpx.AsyncClient, deps: Deps, tag: str, bodies: list[dict], *, in_flight: int
) -> None:
    """Submits the bodies as the shares open, never more than `in_flight` submitted and not
    yet open: a day's steady trickle, not a burst (benchmarks/burst.py is the burst)."""
    sent = 0
    while sent < len(bodies):
        room = in_flight - (sent - await count_shares(deps, tag, "open"))
        if room <= 0:
            await asyncio.sleep(0.2)
            continue
        await submit(api, bodies[sent : sent + room])
        sent += min(room, len(bodies) - sent)


async def intake_to_open(
    api: httpx.AsyncClient,
    deps: Deps,
    tag: str,
    bodies: list[dict],
    *,
    timeout: float,
    on_progress: Callable[[int], None] | None = None,
    in_flight: int | None = None,
) -> float:
    """Submits every body and waits until every share is open; returns the seconds taken.

    All at once, or (`in_flight`) paced so that no more than that many wait to open."""
    started = time.perf_counter()
    if in_flight is None:
        await submit(api, bodies)
        await wait_for_shares(
            deps, tag, "open", len(bodies), timeout=timeout, on_progress=on_progress
        )
    else:
        await asyncio.gather(
            submit_paced(api, deps, tag, bodies, in_flight=in_flight),
            wait_for_shares(
                deps, tag, "open", len(bodies), timeout=timeout, on_progress=on_progress
            ),
        )
    return time.perf_counter() - started
