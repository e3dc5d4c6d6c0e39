"""The share workflow: one profit event from intake to paid, as DESIGN.md draws it.

received → screening → verifying ─┬→ no_share
                                  ├→ under_review → approve → open | rejected
                                  └→ open → the ladder and payments (workflows/collection.py)
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from temporalio import workflow
from temporalio.common import SearchAttributeUpdate
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities import contracts as c
    from activities.payments.contracts import (
        CLOSE_PAYMENT_LINK,
        CREATE_PAYMENT_LINK,
        ClosePaymentLinkInput,
        CreatePaymentLinkInput,
        PaymentLink,
    )
    from domain.ladder import Stage, ladder
    from domain.models import (
        DisputeOpened,
        DisputeResolution,
        PaymentSignal,
        ProfitEvent,
        ProofDecision,
        ProofSubmitted,
        RecordedShare,
        ReviewDecision,
        RiskSummary,
        ShareStatus,
        ShareView,
        VerificationSummary,
        Waiver,
    )
    from domain.money import format_money
    from workflows import options
    from workflows import search_attributes as sa
    from workflows.collection import Collection
    from workflows.effects import Effects
    from workflows.share_state import ShareState


@workflow.defn(name="ShareWorkflow")
class ShareWorkflow:
    @workflow.init
    def __init__(self, event: ProfitEvent) -> None:
        self._s = ShareState(event=event)
        self._effects = Effects(self._s)

    @workflow.run
    async def run(self, event: ProfitEvent) -> ShareView:
        await self._walk(event)
        await self._effects.settle()
        return self._s.view(workflow.now())

    async def _walk(self, event: ProfitEvent) -> None:
        await self._ledger(c.OPEN_SHARE, event, summary="open the share record")
        await self._transition("screening")
        risk = await self._ledger(c.SCREEN_USER, event, RiskSummary, summary="screen the user")
        self._s.risk_decision = risk.decision
        workflow.upsert_search_attributes([sa.RISK_DECISION.value_set(risk.decision)])

        await self._transition("verifying")
        verification, reasons = await self._verify(event)
        if risk.decision == "block":
            reasons.append("risk_blocked")
        if reasons:
            profit = await self._review(verification, reasons)
            if profit is None:
                return
        else:
            profit = verification.verified_profit
        if profit <= 0:
            await self._transition("no_share", verification=verification)
            return

        await self._record(profit, verification)
        if self._s.status == "open":
            await self._payment_link()
            # Day 0's own notice (issue 18): what is due, the discount and its deadline.
            if workflow.patched("brief-day0-notice"):
                self._payment_due_notice()
            collection = Collection(self._s, self._ledger, self._publish, self._effects)
            await collection.run(self._stages())
            if self._s.payment_link and workflow.patched("money-close-link"):
                await self._close_payment_link()

    # --- messages -------------------------------------------------------------------------
    # Each handler only queues; the run loop acts on messages one at a time, in order.
    @workflow.signal
    def payment(self, payment: PaymentSignal) -> None:
        self._s.accept_payment(payment)

    @workflow.signal
    def review(self, decision: ReviewDecision) -> None:
        if self._s.status == "under_review" and self._s.review is None:
            self._s.review = decision

    @workflow.signal
    def proof(self, proof: ProofSubmitted) -> None:
        self._s.accept_proof(proof)

    @workflow.signal
    def proof_decision(self, decision: ProofDecision) -> None:
        self._s.accept_proof_decision(decision)

    @workflow.signal
    def dispute(self, dispute: DisputeOpened) -> None:
        self._s.accept_dispute(dispute, workflow.now())

    @workflow.signal
    def resolve_dispute(self, resolution: DisputeResolution) -> None:
        self._s.accept_resolution(resolution)

    @workflow.signal
    def waive(self, waiver: Waiver) -> None:
        self._s.accept_waiver(waiver)

    @workflow.query
    def status(self) -> ShareView:
        return self._s.view(workflow.now())

    # --- stages ---------------------------------------------------------------------------
    async def _verify(self, event: ProfitEvent) -> tuple[VerificationSummary, list[str]]:
        try:
            verification = await workflow.execute_activity(
                c.VERIFY_SESSION,
                event,
                result_type=VerificationSummary,
                start_to_close_timeout=options.EXCHANGE_TIMEOUT,
                retry_policy=options.EXCHANGE_RETRY,
                summary="verify the session's fills with the exchange",
            )
        except ActivityError as err:
            cause = err.cause
            if isinstance(cause, ApplicationError) and cause.type == options.CREDENTIALS_INVALID:
                empty = VerificationSummary(
                    agreed=False,
                    verified_profit=Decimal(0),
                    methods={},
                    reasons=["exchange credentials invalid"],
                )
                return empty, ["exchange credentials invalid"]
            raise
        self._s.verification = verification
        return verification, list(verification.reasons)

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
                    c.ALERT_OPS,
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
        self._s.recorded = await self._ledger(
            c.RECORD_SHARE,
            c.RecordShareInput(
                event=self._s.event,
                verified_profit=profit,
                verification=verification,
                at=workflow.now(),
            ),
            RecordedShare,
            summary="record the share (day 0)",
        )
        self._s.verification = verification
        self._s.amount_due = self._s.recorded.billed_amount
        # Nothing billed: with the high-water mark the profit only earned back earlier losses.
        self._s.status = "open" if self._s.recorded.billed_amount > 0 else "no_share"
        self._publish()

    async def _payment_link(self) -> None:
        """A hosted payment page when a gateway is configured; the reference works without."""
        r = self._s.recorded
        assert r is not None
        try:
            link = await workflow.execute_activity(
                CREATE_PAYMENT_LINK,
                CreatePaymentLinkInput(
                    event_id=self._s.event.event_id,
                    payment_reference=r.payment_reference,
                    amount=r.billed_amount,
                    currency=r.billing_currency,
                    min_partial=self._s.bill().owed_at(r.recorded_at),
                    description=f"Platform share, session {self._s.event.session_id}",
                ),
                result_type=PaymentLink | None,  # type: ignore[arg-type]
                start_to_close_timeout=options.LEDGER_TIMEOUT,
                retry_policy=options.LINK_RETRY,
                summary="create the payment link",
            )
        except ActivityError as err:
            workflow.logger.warning("no payment link for %s: %s", self._s.event.event_id, err)
            return
        if link is not None:
            await self._ledger(
                c.SET_PAYMENT_LINK,
                c.PaymentLinkInput(event_id=self._s.event.event_id, url=link.url),
                summary="store the payment link",
            )
            self._s.payment_link = link.url

    async def _close_payment_link(self) -> None:
        """The share owes nothing now: its link must not take the full amount again."""
        r = self._s.recorded
        assert r is not None
        try:
            await workflow.execute_activity(
                CLOSE_PAYMENT_LINK,
                ClosePaymentLinkInput(
                    event_id=self._s.event.event_id, payment_reference=r.payment_reference
                ),
                start_to_close_timeout=options.LEDGER_TIMEOUT,
                retry_policy=options.LINK_RETRY,
                summary="cancel the payment link",
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
    ) -> None:
        self._s.status = status
        if reasons is not None:
            self._s.review_reasons = reasons
        await self._ledger(
            c.SET_STATUS,
            c.SetStatusInput(
                event_id=self._s.event.event_id,
                user_id=self._s.event.user_id,
                status=status,
                at=workflow.now(),
                verification=verification,
                reasons=reasons or [],
                note=note,
                confirmed_fraud=confirmed_fraud,
            ),
            summary=f"status: {status}",
        )
        self._publish()

    async def _ledger(
        self, name: str, arg: object, result_type: type | None = None, *, summary: str
    ) -> Any:
        """A ledger activity: Postgres writes, idempotent by key, retried until they land."""
        return await workflow.execute_activity(
            name,
            arg,
            result_type=result_type,
            start_to_close_timeout=options.LEDGER_TIMEOUT,
            retry_policy=options.LEDGER_RETRY,
            summary=summary,
        )

    def _publish(self) -> None:
        """Search attributes and current details follow every transition."""
        updates: list[SearchAttributeUpdate[Any]] = [
            sa.SHARE_STATUS.value_set(self._s.status),
            sa.ENFORCEMENT_LEVEL.value_set(int(self._s.level)),
        ]
        if self._s.recorded is not None:
            updates.append(sa.DUE_AT.value_set(self._s.recorded.due_at))
        workflow.upsert_search_attributes(updates)
        workflow.set_current_details(self._s.details_markdown())
