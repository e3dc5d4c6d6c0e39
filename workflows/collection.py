"""The open share: the escalation ladder at exact times, and every message that can close it.

open ── day 1..6 reminder, 7 warning, 14 suspended, 30 locked, 60 collections
  │  payment / approved proof ─→ paid (or partial: stays open, less due)
  │  dispute ─→ disputed (no new level) ─→ upheld | adjusted ─→ open, ladder resumes
  │                                     └→ cancelled ─→ rejected (not owed)
  └  waive / write-off ─→ waived
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities import contracts as c
    from domain.ladder import Level, Stage
    from domain.models import (
        DisputeOpened,
        DisputeResolution,
        PaymentSignal,
        ProofDecision,
        Waiver,
    )
    from domain.money import format_money
    from domain.notifications import TemplateName
    from domain.settlement import (
        CurrencyMismatch,
        apply_payment,
    )
    from workflows.calls import LedgerCall
    from workflows.disputes import Disputes
    from workflows.effects import Effects
    from workflows.share_state import Message, ShareState


class Collection(Disputes):
    def __init__(
        self, state: ShareState, ledger: LedgerCall, publish: Callable[[], None], effects: Effects
    ) -> None:
        self._s = state
        self._ledger = ledger
        self._publish = publish
        self._effects = effects
        # Stages this share reached, with their times (patch undo_late_stages).
        self._reached: list[tuple[Stage, datetime]] = []

    async def run(self, ladder: tuple[Stage, ...]) -> None:
        """Until the share closes: each stage at its time, each message as it arrives."""
        stages = list(ladder)
        while self._s.is_open:
            if self._s.patches.drain_before_stage and self._s.inbox:
                # What already arrived counts before a stage that fell due meanwhile.
                await self._handle(self._s.inbox.pop(0))
                continue
            escalating = self._s.status == "open" and bool(stages)
            if escalating and self._s.stage_due(stages[0]) <= workflow.now():
                stage = stages.pop(0)
                await self._escalate(stage, ladder)
                if stage.level == Level.COLLECTIONS and self._s.patches.collections_completes:
                    return  # handed over: nothing left on the ladder to wait for
                continue
            try:
                await workflow.wait_condition(
                    lambda: bool(self._s.inbox),
                    timeout=self._s.stage_due(stages[0]) - workflow.now() if escalating else None,
                    timeout_summary=_summary(stages[0]) if escalating else self._waiting_for(),
                )
            except TimeoutError:
                continue
            while self._s.inbox and self._s.is_open:
                await self._handle(self._s.inbox.pop(0))

    def _waiting_for(self) -> str:
        if self._s.status == "disputed":
            return "disputed: the ladder waits for the admin's resolution"
        return "collections: waiting for payment"

    async def _handle(self, message: Message) -> None:
        if isinstance(message, PaymentSignal):
            await self._apply(message)
        elif isinstance(message, ProofDecision):
            await self._decide_proof(message)
        elif isinstance(message, DisputeOpened):
            await self._open_dispute()
        elif isinstance(message, DisputeResolution):
            await self._resolve_dispute(message)
        elif isinstance(message, Waiver):
            await self._waive(message)

    # --- the ladder -----------------------------------------------------------------------
    async def _escalate(self, stage: Stage, ladder: tuple[Stage, ...]) -> None:
        moved = await self._ledger(
            c.ACTIVITIES.escalate,
            c.EscalateInput(
                event_id=self._s.event.event_id,
                user_id=self._s.event.user_id,
                level=int(stage.level),
                stage=stage.key,
                at=workflow.now(),
            ),
            summary=f"escalate: {_summary(stage)}",
        )
        self._s.level = max(self._s.level, stage.level)
        self._reached.append((stage, self._s.stage_due(stage)))
        self._publish()
        # Unpatched: False when an earlier attempt committed the stage and its result was lost,
        # and the stage went untold. Both effects are idempotent by (share, stage).
        if moved or self._s.patches.stage_effects_always:
            extra = {}
            if stage.level == Level.WARNING:
                suspension = next(x for x in ladder if x.level == Level.SUSPENDED)
                extra["suspend_at"] = self._s.stage_due(suspension).date().isoformat()
            self._effects.notify(stage.key, stage.level.label, **extra)  # type: ignore[arg-type]
            self._effects.push_standing()

    # --- payments -------------------------------------------------------------------------
    async def _apply(self, payment: PaymentSignal) -> None:
        # The gateway's own payment time counts (a late webhook keeps an earned discount),
        # but never a time in the future or before the share existed.
        assert self._s.recorded is not None
        at = max(self._s.recorded.recorded_at, min(payment.paid_at, workflow.now()))
        # Patched: judged with the payments that counted before it, when they all completed
        # the share (an early payment's late webhook does not move that moment back).
        together = self._s.patches.settle_at_last_payment
        try:
            outcome = apply_payment(
                self._s.bill(),
                paid_before=self._s.amount_paid,
                amount=payment.amount,
                currency=payment.currency,
                at=at,
                made=self._s.counted if together else None,
            )
        except (CurrencyMismatch, ValueError) as err:
            self._s.answer_payment(payment, f"refused: {err}", note=str(err))
            workflow.logger.warning("payment refused for %s: %s", self._s.event.event_id, err)
            return
        result = await self._ledger(
            c.ACTIVITIES.apply_payment,
            c.ApplyPaymentInput(
                event_id=self._s.event.event_id,
                user_id=self._s.event.user_id,
                payment=payment,
                amount_paid=outcome.amount_paid,
                amount_due=outcome.amount_due,
                credit=outcome.credit,
                settled=outcome.settled,
                discounted=outcome.discounted,
                at=workflow.now(),
                discount_granted=outcome.discount_granted,
                note=outcome.note,
                settled_at=outcome.judged_at if together and outcome.settled else None,
            ),
            summary=f"apply payment {payment.provider}:{payment.transaction_id}",
        )
        if result in ("refused", "credited"):
            # The ledger did not count it toward the share: not a payment the API recorded
            # (ops are alerted), or the database says the share owes nothing (kept as credit).
            # Shares recorded before these answers got a bool: True, applied.
            self._s.answer_payment(payment, str(result), note=f"not applied: {result}")
            return
        self._s.answer_payment(payment, "applied", note=outcome.note, applied=True)
        if together:
            self._s.counted.append((outcome.applied, at))
        if outcome.settled and self._s.patches.undo_late_stages:
            settled_at = outcome.judged_at if together else None
            await self._undo_stages_after(settled_at or payment.paid_at)
        self._s.amount_paid, self._s.amount_due = outcome.amount_paid, outcome.amount_due
        self._s.credit, self._s.discount_granted = outcome.credit, outcome.discount_granted
        if outcome.settled:
            self._s.status = "paid"
            self._effects.notify("paid", "paid", amount_paid=format_money(outcome.amount_paid))
            self._effects.push_standing()
        self._publish()

    async def _undo_stages_after(self, paid_at: datetime) -> None:
        """The user had paid in full before these stages' times (a webhook came late): they
        are undone as if the payments had arrived in time, audited."""
        undone = [stage for stage, due in self._reached if due > paid_at]
        if not undone:
            return
        kept = [stage.level for stage, due in self._reached if due <= paid_at]
        level = max(kept, default=Level.NONE)
        await self._ledger(
            c.ACTIVITIES.undo_stages,
            c.UndoStagesInput(
                event_id=self._s.event.event_id,
                user_id=self._s.event.user_id,
                stages=[c.UndoneStage(stage=x.key, level=int(x.level)) for x in undone],
                level=int(level),
                paid_at=paid_at,
                at=workflow.now(),
            ),
            summary=f"undo {len(undone)} stage(s) after the payment's time",
        )
        self._s.level = level
        self._effects.push_standing()
        self._publish()

    async def _decide_proof(self, decision: ProofDecision) -> None:
        if decision.decision == "approve":
            payment = self._s.approve_proof(decision.proof_id)
            if payment is not None:
                await self._apply(payment)
        else:
            proof = self._s.proofs[decision.proof_id]
            status = "rejected" if decision.decision == "reject" else "new_proof_requested"
            self._s.proofs[decision.proof_id] = proof.model_copy(update={"status": status})
            template: TemplateName = (
                "proof_rejected" if decision.decision == "reject" else "proof_request_new"
            )
            note = decision.note or "no reason given"
            self._effects.notify(f"{template}:{decision.proof_id}", template, note=note)
        self._publish()


def _summary(stage: Stage) -> str:
    return f"{stage.level.label} at day {stage.day}"
