"""Starting and messaging share workflows: the one place outside the workflow that knows its id,
its start options and its message names. The API (and ops tools) call these methods.

Not workflow code (it is never replayed): it runs in the API and in tests, beside the workflow
whose handlers it names, so a renamed handler breaks here and nowhere else.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from temporalio.client import (
    Client,
    WorkflowExecutionStatus,
    WorkflowHandle,
    WorkflowQueryFailedError,
    WorkflowQueryRejectedError,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from activities.contracts import CloseInCollectionsInput
from domain.models import (
    DisputeOpened,
    DisputeResolution,
    PaymentSignal,
    ProfitEvent,
    ProofDecision,
    ProofSubmitted,
    ReviewDecision,
    Waiver,
)
from workflows import search_attributes as sa
from workflows.ids import share_workflow_id, standing_workflow_id
from workflows.inbound import (
    DisputeIn,
    PaymentIn,
    ProfitEventIn,
    ProofDecisionIn,
    ProofIn,
    ResolutionIn,
    ReviewIn,
    WaiverIn,
    inbound,
)
from workflows.reconciler import CollectionsCloseWorkflow
from workflows.share import ShareWorkflow
from workflows.share_state import payment_key
from workflows.share_types import CURRENT
from workflows.share_v3 import ShareWorkflowV3
from workflows.standing import StandingDeliveryWorkflow

M = TypeVar("M")


class ShareClosed(LookupError):
    """The share's workflow has completed (or never existed): nothing listens any more."""


# How long a payment sent as an update may wait for its answer before it goes as a signal
# too (a share under review holds payments until it is recorded; a worker may be down).
ANSWER_WITHIN = timedelta(seconds=2)


@dataclass(frozen=True)
class PaymentSent:
    """A delivered payment; `answer` when ShareWorkflowV3's update brought it back; `late`
    when the update was not answered in time (the workflow is behind: asking it again for
    the answer only adds to its queue)."""

    payment: PaymentSignal
    answer: str | None
    late: bool = False


class ShareClient:
    def __init__(self, client: Client, task_queue: str) -> None:
        self._client = client
        self._task_queue = task_queue

    async def start(self, event: ProfitEvent) -> None:
        """Starts the share (as ShareWorkflowV4: workflows/share_v4.py); a repeat is a no-op
        (USE_EXISTING, and REJECT_DUPLICATE once the event was fully processed)."""
        with contextlib.suppress(WorkflowAlreadyStartedError):
            await self._client.start_workflow(
                CURRENT.run,
                inbound(ProfitEventIn, event),
                id=share_workflow_id(event.event_id),
                task_queue=self._task_queue,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                search_attributes=TypedSearchAttributes(
                    [
                        SearchAttributePair(sa.USER_ID, event.user_id),
                        SearchAttributePair(sa.SHARE_STATUS, "received"),
                        SearchAttributePair(sa.ENFORCEMENT_LEVEL, 0),
                        SearchAttributePair(sa.EXCHANGE, event.exchange),
                    ]
                ),
                static_summary=f"Share of session {event.session_id} for user {event.user_id}",
                static_details=f"exchange `{event.exchange}` · symbols {', '.join(event.symbols)}",
            )

    def handle(self, event_id: str) -> WorkflowHandle:
        return self._client.get_workflow_handle(share_workflow_id(event_id))

    async def pay(self, event_id: str, payment: PaymentSignal) -> PaymentSent:
        """Delivers a payment: to a ShareWorkflowV3 or V4 as its `pay` update, whose answer comes
        back on the same call, to an older share as the `payment` signal. Either way it is in
        the workflow's history when this returns; a repeat is recognised by the workflow.

        Raises ShareClosed when no workflow listens; RPCError when Temporal is down."""
        message = inbound(PaymentIn, payment)
        async with self._closed_is_lookup(event_id):
            handle = self.handle(event_id)
            late = False
            try:
                # The client keeps polling while the server answers "not yet": bound it all.
                async with asyncio.timeout(ANSWER_WITHIN.total_seconds()):
                    answer = await handle.execute_update(
                        ShareWorkflowV3.pay,
                        message,
                        id=payment_key(payment),  # the same payment twice is one update
                        rpc_timeout=ANSWER_WITHIN,
                    )
                return PaymentSent(payment, answer)
            except WorkflowUpdateFailedError:
                pass  # rejected: an older share, which has no `pay`
            except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError):
                late = True  # not answered in time (no worker, or the payment waits its turn)
            except RPCError as err:
                if err.status == RPCStatusCode.NOT_FOUND:
                    raise
            # The signal: Temporal keeps it whether or not a worker is there. Should the
            # update have been taken after all, the workflow applies the payment once.
            await handle.signal(ShareWorkflow.payment, message)
            return PaymentSent(payment, None, late=late)

    async def answer_for(
        self, event_id: str, sent: PaymentSent, *, wait: timedelta = timedelta(seconds=1)
    ) -> str | None:
        """The workflow's own answer to a payment (applied, credited, refused: ...), or None
        when it has not answered within `wait` (queued: it will be applied or credited) or
        cannot answer now (no worker, the workflow closed, Temporal unreachable), and at once
        when the update came back late."""
        if sent.answer is not None or sent.late:
            return sent.answer
        key = payment_key(sent.payment)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait.total_seconds()
        while True:
            left = deadline - loop.time()
            try:
                answer = await self.handle(event_id).query(
                    ShareWorkflow.answer, key, rpc_timeout=timedelta(seconds=max(left, 0.1))
                )
            except (RPCError, WorkflowQueryFailedError, WorkflowQueryRejectedError):
                return None
            if answer is not None or loop.time() >= deadline:
                return answer
            await asyncio.sleep(0.1)

    async def review(self, event_id: str, decision: ReviewDecision) -> None:
        await self._tell(event_id, ShareWorkflow.review, inbound(ReviewIn, decision))

    async def submit_proof(self, event_id: str, proof: ProofSubmitted) -> None:
        await self._tell(event_id, ShareWorkflow.proof, inbound(ProofIn, proof))

    async def decide_proof(self, event_id: str, decision: ProofDecision) -> None:
        await self._tell(event_id, ShareWorkflow.proof_decision, inbound(ProofDecisionIn, decision))

    async def dispute(self, event_id: str, dispute: DisputeOpened) -> None:
        await self._tell(event_id, ShareWorkflow.dispute, inbound(DisputeIn, dispute))

    async def resolve_dispute(self, event_id: str, resolution: DisputeResolution) -> None:
        await self._tell(event_id, ShareWorkflow.resolve_dispute, inbound(ResolutionIn, resolution))

    async def waive(self, event_id: str, waiver: Waiver, *, user_id: str) -> None:
        """Tells the share's workflow; one that completed in collections (the share still
        owed) is closed by a short CollectionsClose workflow instead."""
        try:
            await self._tell(event_id, ShareWorkflow.waive, inbound(WaiverIn, waiver))
        except ShareClosed:
            with contextlib.suppress(WorkflowAlreadyStartedError):
                await self._client.start_workflow(
                    CollectionsCloseWorkflow.run,
                    CloseInCollectionsInput(
                        event_id=event_id,
                        user_id=user_id,
                        kind=waiver.kind,
                        note=waiver.note,
                        at=datetime.now(UTC),
                    ),
                    id=f"{share_workflow_id(event_id)}/close",
                    task_queue=self._task_queue,
                    id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                )

    async def listening(self, event_id: str) -> bool:
        """Whether the share's workflow still runs. A share handed to collections stays owed
        after its workflow completed: asked before writing a change only a workflow makes."""
        try:
            described = await self.handle(event_id).describe()
        except RPCError as err:
            if err.status == RPCStatusCode.NOT_FOUND:
                return False
            raise
        return described.status == WorkflowExecutionStatus.RUNNING

    async def retry_stalled(self, event_id: str) -> None:
        async with self._closed_is_lookup(event_id):
            await self.handle(event_id).signal(ShareWorkflow.retry_stalled)

    async def standing_changed(self, user_id: str) -> None:
        """Tells the user's delivery workflow a standing change is queued (starting it if it
        is idle), so the backend hears within seconds, share or no share."""
        await self._client.start_workflow(
            StandingDeliveryWorkflow.run,
            user_id,
            id=standing_workflow_id(user_id),
            task_queue=self._task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
            start_signal="changed",
            static_summary=f"Standing deliveries for user {user_id}",
        )

    async def _tell(
        self, event_id: str, signal: Callable[[ShareWorkflow, M], None], message: M
    ) -> None:
        """Signals the share's workflow; raises ShareClosed when no workflow listens."""
        async with self._closed_is_lookup(event_id):
            await self.handle(event_id).signal(signal, message)

    @contextlib.asynccontextmanager
    async def _closed_is_lookup(self, event_id: str) -> AsyncIterator[None]:
        """Raises ShareClosed when no workflow listens; RPCError when Temporal is down."""
        try:
            yield
        except RPCError as err:
            if err.status == RPCStatusCode.NOT_FOUND:
                raise ShareClosed(f"the share {event_id} is already closed") from err
            raise
