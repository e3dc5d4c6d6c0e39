"""No global lock: audited writes of users in different chains never wait for each other."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from db.audit import chain_of
from db.audited import audited


def _users_in(chains: str) -> tuple[str, str]:
    """Two user ids whose chains are the same (`same`) or differ (`different`)."""
    first = f"u_{uuid.uuid4().hex[:10]}"
    while True:
        other = f"u_{uuid.uuid4().hex[:10]}"
        if (chain_of(other) == chain_of(first)) == (chains == "same"):
            return first, other


async def _write(deps, user_id: str) -> None:
    async with audited(deps.sessions, deps.auditor, actor="system:test", partition=user_id) as a:
        await a.record("test.written", subject=f"user/{user_id}", key=uuid.uuid4().hex)


@pytest.mark.parametrize(("chains", "waits"), [("different", False), ("same", True)])
async def test_a_write_waits_only_for_its_own_chain(deps, chains, waits):
    holder, other = _users_in(chains)
    held, release = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        async with audited(deps.sessions, deps.auditor, actor="system:test", partition=holder):
            held.set()
            await release.wait()  # the chain's head row stays locked until then

    holding = asyncio.create_task(hold())
    await held.wait()
    writing = asyncio.create_task(_write(deps, other))
    done, _ = await asyncio.wait({writing}, timeout=2.0)
    assert (writing not in done) is waits
    release.set()
    await asyncio.gather(holding, writing)
