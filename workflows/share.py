"""The share workflow: one profit event from intake to paid, as DESIGN.md draws it.

received → screening → verifying ─┬→ no_share
                                  ├→ under_review → approve → open | rejected
                                  └→ open → the ladder and payments (workflows/collection.py)
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

from temporalio import workflow
from temporalio.common import SearchAttributeUpdate
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities import contracts as c
    from activities.payments.contracts import CLOSE_LINK, ClosePaymentLinkInput
    from domain.ladder import Stage, ladder
    from domain.models import (
        CLOSED_STATUSES,
        ProfitEvent,
        ShareStatus,
        ShareView,
        VerificationSummary,
    )
    from domain.money import format_money
    from workflows import options
    from workflows import search_attributes as sa
    from workflows.calls import In, Out, execute
    from workflows.closed import Closed
    from workflows.collection import Collection
    from workflows.effects import Effects
    from workflows.first_steps import open_and_screen, payment_link, verify
    from workflows.inbound import (
        DisputeIn,
        PaymentIn,
        ProfitEventIn,
        ProofDecisionIn,
        ProofIn,
        ResolutionIn,
        ReviewIn,
        WaiverIn,
    )
    from workflows.patches import Patches
    from workflows.share_state import ShareState
    from workflows.stalls import Stalls


@workflow.defn(name="ShareWorkflow")
class ShareWorkflow:
    @workflow.init
    def __init__(self, event: ProfitEventIn) -> None:
        self._s = ShareState(event=event)
        self._effects = Effects(self._s)
        self._stalls = Stalls(self._s, self._publish)

    @workflow.run
    async def run(self, event: ProfitEventIn) -> ShareView:
        self._s.patches = self._read_patches()
        try:
            await self._walk(event)
        except asyncio.CancelledError:
            if not self._s.patches.lifecycle:
                raise
            await self._cancelled()
            raise
        if self._s.patches.answer_after_close:
            await Closed(self._s, self._ledger, self._effects, self._publish).until_settled()
        else:
            await self._effects.settle()
        return self._s.view(workflow.now())

    def _read_patches(self) -> Patches:
        """Once per run: see workflows/patches.py."""
        return Patches.read()

    async def _walk(self, event: ProfitEvent) -> None:
        if self._s.patches.lean:
            await open_and_screen(self._s, self._ledger, event)
            self._publish()
        else:
            await self._ledger(c.ACTIVITIES.open_share, event, summary="open the share record")
            await self._transition("screening")
            risk = await self._ledger(c.ACTIVITIES.screen_user, event, summary="screen the user")
            self._s.risk_decision = risk.decision
            workflow.upsert_search_attributes([sa.RISK_DECISION.value_set(risk.decision)])
            await self._transition("verifying")
        verification, reasons = await self._verify(event)
        if self._s.risk_decision == "block":
            reasons.append("risk_blocked")
        if reasons:
            self._s.fx_quote = None  # recorded after a review: quoted then, not now
            profit = await self._review(verification, reasons)
            if profit is None:
                return
        else:
            profit = verification.verified_profit
        if profit <= 0:
            decided = profit if self._s.patches.decided_loss else None
            await self._transition("no_share", verification=verification, decided_profit=decided)
            return

        await self._record(profit, verification)
        if self._s.status == "open":
            await self._payment_link()
            # Day 0's own notice (issue 18): what is due, the discount and its deadline.
            if self._s.patches.at("brief-day0-notice"):
                self._payment_due_notice()
            collection = Collection(self._s, self._ledger, self._publish, self._effects)
            await collection.run(self._stages())
            if self._s.payment_link and self._s.patches.at("money-close-link"):
                await self._close_payment_link()

    # --- messages -------------------------------------------------------------------------
    # Each handler only queues; the run loop acts on messages one at a time, in order.
    # They take the lenient models of workflows/inbound.py: a newer API's extra field is
    # ignored here, not a reason to drop the message.
    @workflow.signal
    def payment(self, payment: PaymentIn) -> None:
        self._s.accept_payment(payment)

    @workflow.signal
    def review(self, decision: ReviewIn) -> None:
        self._s.accept_review(decision)

    @workflow.signal
    def proof(self, proof: ProofIn) -> None:
        self._s.accept_proof(proof)

    @workflow.signal
    def proof_decision(self, decision: ProofDecisionIn) -> None:
        self._s.accept_proof_decision(decision)

    @workflow.signal
    def dispute(self, dispute: DisputeIn) -> None:
        self._s.accept_dispute(dispute, workflow.now())

    @workflow.signal
    def resolve_dispute(self, resolution: ResolutionIn) -> None:
        self._s.accept_resolution(resolution)

    @workflow.signal
    def waive(self, waiver: WaiverIn) -> None:
        self._s.accept_waiver(waiver)

    @workflow.signal
    def retry_stalled(self) -> None:
        """An admin's word: a stalled share tries again (patch stall_and_alert)."""
        self._stalls.retry()

    @workflow.query
    def status(self) -> ShareView:
        return self._s.view(workflow.now())

    @workflow.query
    def answer(self, key: str) -> str | None:
        """What became of a message (`payment:<provider>:<txn>`, `dispute`, `resolution`,
        `waiver`, `proof:<proof_id>`): applied, credited, refused: <why>; None while it waits."""
        return self._s.answer(key)

    # --- stages ---------------------------------------------------------------------------
    async def _verify(self, event: ProfitEvent) -> tuple[VerificationSummary, list[str]]:
        return await verify(self._s, self._stalls, event)

    async def _review(
        self, verification: VerificationSummary, reasons: list[str]
    ) -> Decimal | None:
        """Waits for an admin; reminds ops every 72 h and never bills without a decision."""
        await self._transition("under_review", verification=verification, reasons=reasons)
        reminders = 0
        while True:
            try:
                await workflow.wait_condition(
                    lambda: self._s.review is not None,
                    timeout=options.REVIEW_REMINDER,
                    timeout_summary="review reminder to ops",
                )
                break
            except TimeoutError:
                reminders += 1
                event_id = self._s.event.event_id
                await self._ledger(
                    c.ACTIVITIES.alert_ops,
                    c.OpsAlert(
                        subject=event_id,
                        at=workflow.now(),
                        reason=f"awaiting review for {72 * reminders} h",
                        key=f"{event_id}:review-reminder:{reminders}",
                    ),
                    summary="remind ops: review pending",
                )
        decision = self._s.review
        assert decision is not None
        if decision.decision == "reject":
            await self._transition(
                "rejected", note=decision.note, confirmed_fraud=decision.confirmed_fraud
            )
            if decision.confirmed_fraud:
                self._effects.push_standing()  # trust fell: the backend may need to know
            return None
        return (
            decision.verified_profit
            if decision.verified_profit is not None
            else verification.verified_profit
        )

    async def _record(self, profit: Decimal, verification: VerificationSummary) -> None:
        fx = self._s.fx_quote  # V4: quoted with the verification
        if fx is None and self._s.patches.fx_before_record:
            fx = await self._ledger(
                c.ACTIVITIES.quote_fx,
                c.FxQuoteInput(event_id=self._s.event.event_id, currency=self._s.event.currency),
                summary="quote the FX rate",
            )
        self._s.recorded = await self._ledger(
            c.ACTIVITIES.record_share,
            c.RecordShareInput(
                event=self._s.event,
                verified_profit=profit,
                verification=verification,
                at=workflow.now(),
                fx=fx,
            ),
            summary="record the share (day 0)",
        )
        self._s.verification = verification
        self._s.amount_due = self._s.recorded.billed_amount
        # Nothing billed: with the high-water mark the profit only earned back earlier losses.
        self._s.status = "open" if self._s.recorded.billed_amount > 0 else "no_share"
        self._publish()

    async def _payment_link(self) -> None:
        await payment_link(self._s, self._ledger)

    async def _close_payment_link(self) -> None:
        """The share owes nothing now: its link must not take the full amount again."""
        r = self._s.recorded
        assert r is not None
        try:
            await execute(
                CLOSE_LINK,
                ClosePaymentLinkInput(
                    event_id=self._s.event.event_id, payment_reference=r.payment_reference
                ),
                summary="cancel the payment link",
                start_to_close=options.LEDGER_TIMEOUT,
                retry_policy=options.LINK_RETRY,
            )
        except ActivityError as err:
            workflow.logger.warning("link left open for %s: %s", self._s.event.event_id, err)

    def _payment_due_notice(self) -> None:
        r = self._s.recorded
        assert r is not None
        early = self._s.bill().due_at(self._s.amount_paid, workflow.now())
        self._effects.notify(
            "payment_due",
            "payment_due",
            billed_amount=format_money(r.billed_amount),
            discount=format_money(r.billed_amount - early),
            discount_until=r.discount_until.strftime("%Y-%m-%d %H:%M UTC"),
        )

    def _stages(self) -> tuple[Stage, ...]:
        """The ladder this share walks. Open shares replay it: change it only behind
        workflow.patched (docs/deploying-workflow-changes.md)."""
        return ladder()

    # --- bookkeeping ----------------------------------------------------------------------
    async def _transition(
        self,
        status: ShareStatus,
        *,
        verification: VerificationSummary | None = None,
        reasons: list[str] | None = None,
        note: str = "",
        confirmed_fraud: bool = False,
        decided_profit: Decimal | None = None,
    ) -> None:
        self._s.status = status
        if reasons is not None:
            self._s.review_reasons = reasons
        await self._ledger(
            c.ACTIVITIES.set_status,
            c.SetStatusInput(
                event_id=self._s.event.event_id,
                user_id=self._s.event.user_id,
                status=status,
                at=workflow.now(),
                verification=verification,
                reasons=reasons or [],
                note=note,
                confirmed_fraud=confirmed_fraud,
                decided_profit=decided_profit,
            ),
            summary=f"status: {status}",
        )
        self._publish()

    async def _ledger(self, contract: c.Contract[In, Out], arg: In, *, summary: str) -> Out:
        """A ledger activity: Postgres writes, idempotent by key, retried until they land
        (patched: or until they stall, seen by ops, see workflows/stalls.py)."""
        if self._s.patches.stall_and_alert:
            return await self._stalls.call(contract, arg, summary=summary)
        return await execute(
            contract,
            arg,
            summary=summary,
            start_to_close=options.LEDGER_TIMEOUT,
            retry_policy=options.LEDGER_RETRY,
            lean=self._s.patches.lean,
        )

    async def _cancelled(self) -> None:
        """Ops cancelled the share (patch lifecycle): an open share closes as cancelled, which
        lifts its restrictions and is audited, and the standing change reaches the backend;
        one not yet recorded is rejected (audited), so nothing is left waiting."""
        s = self._s
        if s.is_open:
            await self._ledger(
                c.ACTIVITIES.close_share,
                c.CloseShareInput(
                    event_id=s.event.event_id,
                    user_id=s.event.user_id,
                    reason="cancelled",
                    waived_amount=s.unpaid(),
                    at=workflow.now(),
                    note="workflow cancelled by ops",
                ),
                summary="cancelled by ops",
            )
            s.status, s.closed_reason = "waived", "cancelled"
            self._publish()
            self._effects.push_standing()
        elif s.status not in CLOSED_STATUSES:  # not billed yet: it never will be
            await self._transition("rejected", note="workflow cancelled by ops")
        if s.patches.settle_after_cancel:  # payments it had accepted are credited, answered
            await Closed(s, self._ledger, self._effects, self._publish).until_settled()
        else:
            await self._effects.settle()

    def _publish(self) -> None:
        """Search attributes and current details follow every transition."""
        status = "stalled" if self._s.stalled else self._s.status
        updates: list[SearchAttributeUpdate[Any]] = [
            sa.SHARE_STATUS.value_set(status),
            sa.ENFORCEMENT_LEVEL.value_set(int(self._s.level)),
        ]
        if self._s.patches.risk_in_publish and self._s.risk_decision != "pending":
            updates.append(sa.RISK_DECISION.value_set(self._s.risk_decision))
        if self._s.recorded is not None:
            updates.append(sa.DUE_AT.value_set(self._s.recorded.due_at))
        workflow.upsert_search_attributes(updates)
        workflow.set_current_details(self._s.details_markdown())
