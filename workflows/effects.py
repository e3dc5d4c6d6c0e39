"""What a share tells the world after a transition: the user (NOTIFY_USER, once per share and
stage) and the backend (DELIVER_STANDING, every standing change in order per user).

Both run beside the workflow as their own activities, so a slow email provider or a backend
that is down never delays a stage; the workflow waits for them only before it completes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.notify.contracts import NOTIFY, NotifyUserInput
    from activities.payments.contracts import CLOSE_LINK, ClosePaymentLinkInput
    from domain.money import format_money
    from domain.notifications import TemplateName
    from workflows import options
    from workflows.calls import deliver_standing, execute
    from workflows.share_state import ShareState


class Effects:
    def __init__(self, state: ShareState) -> None:
        self._s = state
        self._running: list[asyncio.Task[None]] = []

    def notify(self, stage: str, template: TemplateName, **params: str) -> None:
        """Tells the user; `stage` names the message uniquely within the share."""
        s = self._s
        if s.recorded is not None:
            params = {
                "payment_reference": s.recorded.payment_reference,
                "currency": s.recorded.billing_currency,
                "amount_due": format_money(s.bill().due_at(s.amount_paid, workflow.now())),
                "due_at": s.recorded.due_at.date().isoformat(),
                **({"payment_url": s.payment_link} if s.payment_link else {}),
                **params,
            }
        message = NotifyUserInput(
            event_id=s.event.event_id,
            user_id=s.event.user_id,
            stage=stage,
            template=template,
            params=params,
        )
        self._spawn(
            f"notify {stage}",
            execute(
                NOTIFY,
                message,
                summary=f"tell the user: {template}",
                start_to_close=options.NOTIFY_TIMEOUT,
                schedule_to_close=options.NOTIFY_GIVE_UP,
                retry_policy=options.NOTIFY_RETRY,
            ),
        )

    def close_payment_link(self) -> None:
        """The link asks for an amount the share no longer owes (re-priced): cancel it, so
        the user pays the new amount by reference instead of the old one through the link."""
        s = self._s
        if s.recorded is None or not s.payment_link:
            return
        self._spawn(
            "cancel the payment link",
            execute(
                CLOSE_LINK,
                ClosePaymentLinkInput(
                    event_id=s.event.event_id, payment_reference=s.recorded.payment_reference
                ),
                summary="cancel the payment link (re-priced)",
                start_to_close=options.LEDGER_TIMEOUT,
                retry_policy=options.LINK_RETRY,
            ),
        )
        s.payment_link = None

    def push_standing(self) -> None:
        """Delivers whatever standing changes the ledger queued for this user, in order."""
        self._spawn(
            "deliver standing",
            deliver_standing(self._s.event.user_id, give_up=options.STANDING_GIVE_UP),
        )

    @property
    def idle(self) -> bool:
        """Every notice and delivery spawned so far has finished or given up."""
        return all(task.done() for task in self._running)

    async def settle(self) -> None:
        """Before the workflow completes: every notice and delivery has finished or given up."""
        await asyncio.gather(*self._running)

    def _spawn(self, what: str, call: Awaitable[Any]) -> None:
        async def run() -> None:
            try:
                await call
            except ActivityError as err:
                # Never fails the share: the ledger holds the truth, and the outbox keeps
                # undelivered standing changes for the user's next delivery.
                workflow.logger.warning("%s gave up for %s: %s", what, self._s.event.event_id, err)

        self._running.append(asyncio.create_task(run()))
