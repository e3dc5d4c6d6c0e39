"""Drives share workflows on the time-skipping server and reads their effects in Postgres."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from temporalio.client import WorkflowHandle

from db.models import AuditEntry, Payment, Share, User
from db.seals import sealed_values
from domain.ladder import can_access, can_trade
from domain.models import PaymentSignal, ProfitEvent, ShareView
from tests.support.payments import record_payment
from tests.support.records import share_row
from tests.support.scenario import eventually, profitable_session
from workflows.ids import share_workflow_id
from workflows.reconciler import PaymentReconcilerWorkflow
from workflows.share import ShareWorkflow
from workflows.share_types import CURRENT


class ShareDriver:
    """Starts share workflows and moves time on the time-skipping server."""

    def __init__(self, env, deps, emulator_url: str, task_queue: str, workflow=CURRENT) -> None:
        """`workflow`: the share type it starts; new shares are workflows.share_types.CURRENT."""
        self.env, self.deps, self.emulator_url, self.task_queue = (
            env,
            deps,
            emulator_url,
            task_queue,
        )
        self.workflow = workflow

    async def open_share(self, **session) -> tuple[ProfitEvent, WorkflowHandle, ShareView]:
        event = await profitable_session(self.deps, self.emulator_url, **session)
        handle = await self.env.client.start_workflow(
            self.workflow.run,
            event,
            id=share_workflow_id(event.event_id),
            task_queue=self.task_queue,
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
        """A payment recorded as the webhook route records it, then signalled."""
        payment = PaymentSignal(
            provider="standard",
            transaction_id=txn,
            amount=Decimal(amount),
            currency=currency,
            paid_at=await self.env.get_current_time(),
        )
        await record_payment(self.deps, handle.id.removeprefix("share/"), payment)
        await handle.signal(ShareWorkflow.payment, payment)

    async def pay_late(self, event_id: str, amount: str, txn: str, currency="USDT") -> dict:
        """A payment for a share whose workflow has completed (handed to collections): the
        webhook route leaves its row received, the payment reconciler applies it."""
        paid_at = await self.env.get_current_time()
        async with self.deps.sessions.begin() as s:
            s.add(
                Payment(
                    **sealed_values(
                        Payment,
                        self.deps.hasher,
                        self.deps.cipher,
                        provider="standard",
                        transaction_id=txn,
                        event_id=event_id,
                        amount_enc=self.deps.cipher.encrypt(amount),
                        currency=currency,
                        paid_at=paid_at,
                        status="received",
                        # Older than the reconciler's grace period (rows it leaves to the route).
                        received_at=datetime.now(UTC) - timedelta(minutes=10),
                    )
                )
            )
        return await self.env.client.execute_workflow(
            PaymentReconcilerWorkflow.run,
            id=f"reconcile-{txn}",
            task_queue=self.task_queue,
        )

    async def share_row(self, event_id: str) -> Share:
        return await share_row(self.deps, event_id)

    async def standing(self, user_id: str) -> dict:
        async with self.deps.sessions() as s:
            user = await s.get(User, user_id)
        level = user.enforcement_level
        return {
            "level": level,
            "trust": user.trust_score,
            "can_trade": can_trade(
                level=level,
                trust_score=user.trust_score,
                blocked=user.blocked,
                min_trust=self.deps.policy.trust.min_to_trade,
            ),
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
