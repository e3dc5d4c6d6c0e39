"""A worker for the share workflow on the time-skipping server, and helpers to read its effects."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from temporalio.client import WorkflowHandle

from db.models import AuditEntry, Payment, Share, User
from domain.ladder import can_access, can_trade
from domain.models import PaymentSignal, ProfitEvent, ShareView
from tests.support.scenario import eventually, profitable_session
from workers.worker import build_worker
from workflows.reconciler import PaymentReconcilerWorkflow
from workflows.share import ShareWorkflow


@pytest.fixture
def wf_settings(settings, emulator_url, task_queue):
    return settings.model_copy(update={"exchange_base_url": emulator_url, "task_queue": task_queue})


@pytest.fixture
async def worker(time_skipping_env, deps, wf_settings) -> AsyncIterator[None]:
    async with build_worker(time_skipping_env.client, deps, wf_settings):
        yield


class ShareDriver:
    """Starts share workflows and moves time on the time-skipping server."""

    def __init__(self, env, deps, emulator_url: str, task_queue: str) -> None:
        self.env, self.deps, self.emulator_url, self.task_queue = (
            env,
            deps,
            emulator_url,
            task_queue,
        )

    async def open_share(self, **session) -> tuple[ProfitEvent, WorkflowHandle, ShareView]:
        event = await profitable_session(self.deps, self.emulator_url, **session)
        handle = await self.env.client.start_workflow(
            ShareWorkflow.run, event, id=f"share/{event.event_id}", task_queue=self.task_queue
        )
        view = await eventually(lambda: self._status_in(handle, {"open"}))
        return event, handle, view

    async def _status_in(self, handle: WorkflowHandle, statuses: set[str]) -> ShareView | None:
        view = await handle.query(ShareWorkflow.status)
        return view if view.status in statuses else None

    async def wait_status(self, handle: WorkflowHandle, *statuses: str) -> ShareView:
        return await eventually(lambda: self._status_in(handle, set(statuses)))

    async def advance_to(self, moment: datetime) -> None:
        """Skips time to `moment` (no-op if it has passed)."""
        gap = moment - await self.env.get_current_time()
        if gap > timedelta(0):
            await self.env.sleep(gap)

    async def pay(self, handle: WorkflowHandle, amount: str, txn: str, currency="USDT") -> None:
        await handle.signal(
            ShareWorkflow.payment,
            PaymentSignal(
                provider="standard",
                transaction_id=txn,
                amount=Decimal(amount),
                currency=currency,
                paid_at=await self.env.get_current_time(),
            ),
        )

    async def pay_late(self, event_id: str, amount: str, txn: str, currency="USDT") -> dict:
        """A payment for a share whose workflow has completed (handed to collections): the
        webhook route leaves its row received, the payment reconciler applies it."""
        async with self.deps.sessions.begin() as s:
            s.add(
                Payment(
                    provider="standard",
                    transaction_id=txn,
                    event_id=event_id,
                    amount_enc=self.deps.cipher.encrypt(amount),
                    currency=currency,
                    paid_at=await self.env.get_current_time(),
                    status="received",
                    # Older than the reconciler's grace period (rows it leaves to the route).
                    received_at=datetime.now(UTC) - timedelta(minutes=10),
                )
            )
        return await self.env.client.execute_workflow(
            PaymentReconcilerWorkflow.run,
            id=f"reconcile-{txn}",
            task_queue=self.task_queue,
        )

    async def share_row(self, event_id: str) -> Share:
        async with self.deps.sessions() as s:
            return await s.get(Share, event_id)

    async def standing(self, user_id: str) -> dict:
        async with self.deps.sessions() as s:
            user = await s.get(User, user_id)
        level = user.enforcement_level
        return {
            "level": level,
            "trust": user.trust_score,
            "can_trade": can_trade(level=level, trust_score=user.trust_score, blocked=user.blocked),
            "can_access": can_access(level=level),
        }

    async def audit_actions(self, subject: str) -> list[str]:
        async with self.deps.sessions() as s:
            rows = await s.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.subject == subject)
                .order_by(AuditEntry.id)
            )
            return list(rows)

    async def wait_audit(self, subject: str, count: int) -> list[str]:
        async def written():
            actions = await self.audit_actions(subject)
            return actions if len(actions) >= count else None

        return await eventually(written)

    async def wait_level(self, event_id: str, level: int) -> Share:
        async def reached():
            row = await self.share_row(event_id)
            return row if row.level == level else None

        return await eventually(reached)


@pytest.fixture
def driver(time_skipping_env, deps, emulator_url, task_queue, worker) -> ShareDriver:
    return ShareDriver(time_skipping_env, deps, emulator_url, task_queue)
