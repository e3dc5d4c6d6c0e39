"""SIGKILL the worker while an activity is inside Postgres, mid-verification and mid-ladder.

The activity is held at a known point by a lock the test takes, so the kill lands inside it
every time; the lock is released after the kill, a new worker takes over, and Temporal
retries the activity once its timeout passes. Nothing may be lost, doubled or left stuck.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import httpx
import psycopg
import pytest
from sqlalchemy import func, select
from temporalio.service import RPCError

from activities import contracts as c
from db.models import AuditEntry, Share
from domain.ladder import Level
from stack.postgres import libpq_url
from tests.support.locks import waiting_on_a_lock
from tests.support.reconcile import reconcile
from tests.support.scenario import eventually, submit_events
from tests.support.workers import taken_over, worker_process
from workflows.ids import share_workflow_id
from workflows.share import ShareWorkflow

pytestmark = pytest.mark.slow
SHARES = 3


class _Lock:
    """Something locked in a transaction of the test's own, until `release()` or exit."""

    def __init__(self, database_url: str, sql: str) -> None:
        self._conn = psycopg.connect(libpq_url(database_url))
        self._conn.execute(sql)

    def release(self) -> None:
        if not self._conn.closed:
            self._conn.rollback()
            self._conn.close()

    def __enter__(self) -> _Lock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


# Every ledger write first locks its audit chain's head row; this holds every chain.
AUDIT_CHAIN = "SELECT chain FROM audit_chains FOR UPDATE"
# Verification starts by reading the exchange account.


async def _hold_exchange(emulator_url: str, hold: bool) -> None:
    async with httpx.AsyncClient(base_url=emulator_url) as http:
        (await http.post("/_emulator/hold", json={"hold": hold})).raise_for_status()


@asynccontextmanager
async def _killable_worker(settings, env) -> AsyncIterator[list]:
    """Yields [process]; a test replaces the process after killing it; the last one is killed."""
    workers = [worker_process(settings, env.client.service_client.config.target_host)]
    try:
        yield workers
    finally:
        workers[-1].kill()
        workers[-1].wait(10)


def _kill(workers: list, settings, env) -> None:
    workers[-1].send_signal(signal.SIGKILL)
    workers[-1].wait(10)
    workers.append(worker_process(settings, env.client.service_client.config.target_host))


async def _started(env, event_ids: list[str], activity: str) -> int:
    """How many of these workflows have `activity` running on a worker right now."""
    running = 0
    for event_id in event_ids:
        described = await env.client.get_workflow_handle(share_workflow_id(event_id)).describe()
        running += any(
            p.activity_type.name == activity and p.state == 2  # PENDING_ACTIVITY_STATE_STARTED
            for p in described.raw_description.pending_activities
        )
    return running


async def _statuses(deps, event_ids: list[str]) -> list[str]:
    async with deps.sessions() as s:
        return list(await s.scalars(select(Share.status).where(Share.event_id.in_(event_ids))))


async def test_killed_mid_verification_every_share_still_opens_once(
    api, deps, emulator_url, api_settings, time_skipping_env
):
    env = time_skipping_env
    async with _killable_worker(api_settings, env) as workers:
        # The exchange hangs: every verification is in flight, waiting for the fills.
        await _hold_exchange(emulator_url, True)
        try:
            event_ids = await submit_events(api, deps, emulator_url, SHARES)

            async def verifying():
                return await _started(env, event_ids, c.VERIFY_AND_QUOTE) == SHARES

            await eventually(verifying, timeout=30)
            _kill(workers, api_settings, env)
        finally:
            await _hold_exchange(emulator_url, False)
        handles = [env.client.get_workflow_handle(share_workflow_id(e)) for e in event_ids]
        await taken_over(handles)
        # The dead worker's attempts time out and are retried by the new one. The test server
        # holds its clock while an activity is in flight, so these are 2 real minutes: the
        # verification's start-to-close timeout (it has no heartbeat to notice sooner).

        async def all_open():
            return (await _statuses(deps, event_ids)) == ["open"] * SHARES

        await eventually(all_open, timeout=200)
        report = await reconcile(deps, env.client, event_ids)
    assert report.problems == []
    assert report.statuses == {"open": SHARES} and report.balanced
    # Nothing paid yet: inside the discount window the discounted amount is due, and the rest
    # is the discount on offer (domain/book.py figures at this moment).
    assert report.paid == 0 and report.due + report.waived == report.billed > 0


async def test_killed_mid_escalation_each_stage_happens_once(
    api, deps, emulator_url, api_settings, time_skipping_env, database_url
):
    env = time_skipping_env
    async with _killable_worker(api_settings, env) as workers:
        event_ids = await submit_events(api, deps, emulator_url, SHARES)

        async def all_open():
            return (await _statuses(deps, event_ids)) == ["open"] * SHARES

        await eventually(all_open, timeout=60)
        handles = [env.client.get_workflow_handle(share_workflow_id(e)) for e in event_ids]
        day0 = max([(await h.query(ShareWorkflow.status)).created_at for h in handles])
        # Holding the audit chain, a day-1 reminder (a local activity) waits inside its
        # transaction; killed there, its workflow task is retried and runs it again.
        with _Lock(database_url, AUDIT_CHAIN):
            day1 = day0 + timedelta(days=1, minutes=1) - await env.get_current_time()
            sleeping = asyncio.create_task(env.sleep(day1))

            async def escalating():
                # The first share to reach day 1 blocks there; its workflow task stays open
                # (a local activity runs inside it), so the test server holds its clock and
                # the others reach day 1 only after the kill.
                return await waiting_on_a_lock(deps) >= 1

            await eventually(escalating, timeout=30)
            _kill(workers, api_settings, env)
        await taken_over(handles)

        async def reminded():
            async with deps.sessions() as s:
                levels = await s.scalars(select(Share.level).where(Share.event_id.in_(event_ids)))
                return list(levels) == [Level.REMINDER] * SHARES

        # The interrupted reminders are retried after their task's timeout, in real time: the
        # test server holds its clock while they are in flight, and the sleep's RPC may give
        # up waiting meanwhile (the clock is at day 1 by then either way).
        await eventually(reminded, timeout=90)
        with contextlib.suppress(RPCError):
            await sleeping
        await env.sleep(day0 + timedelta(days=7, minutes=1) - await env.get_current_time())

        async def warned():
            async with deps.sessions() as s:
                levels = await s.scalars(select(Share.level).where(Share.event_id.in_(event_ids)))
                return list(levels) == [Level.WARNING] * SHARES

        await eventually(warned, timeout=60)
        async with deps.sessions() as s:
            reminders = await s.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.subject.in_(event_ids), AuditEntry.action == "share.reminder")
            )
        report = await reconcile(deps, env.client, event_ids)
    assert reminders == 6 * SHARES  # days 1-6, once each, the interrupted one included
    assert report.problems == [] and report.statuses == {"open": SHARES} and report.balanced
