"""The share workflow's state and the Share view built from it (pure, deterministic)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from domain.ladder import Level
from domain.models import (
    PaymentSignal,
    PaymentView,
    ProfitEvent,
    RecordedShare,
    ReviewDecision,
    ShareStatus,
    ShareView,
    VerificationSummary,
)
from domain.policy import DEFAULT_SHARE_POLICY
from domain.settlement import Bill


@dataclass
class ShareState:
    event: ProfitEvent
    status: ShareStatus = "received"
    level: Level = Level.NONE
    risk_decision: str = "pending"
    verification: VerificationSummary | None = None
    review_reasons: list[str] = field(default_factory=list)
    recorded: RecordedShare | None = None
    amount_paid: Decimal = Decimal(0)
    amount_due: Decimal | None = None
    credit: Decimal = Decimal(0)
    payments: list[PaymentView] = field(default_factory=list)
    pending_payments: list[PaymentSignal] = field(default_factory=list)
    seen_transactions: set[str] = field(default_factory=set)
    review: ReviewDecision | None = None

    @property
    def workflow_id(self) -> str:
        return f"share/{self.event.event_id}"

    def bill(self) -> Bill:
        assert self.recorded is not None
        return Bill(
            billed=self.recorded.billed_amount,
            currency=self.recorded.billing_currency,
            discount_rate=DEFAULT_SHARE_POLICY.early_discount,
            discount_until=self.recorded.discount_until,
        )

    def view(self) -> ShareView:
        r, v = self.recorded, self.verification
        return ShareView(
            event_id=self.event.event_id,
            workflow_id=self.workflow_id,
            user_id=self.event.user_id,
            status=self.status,
            enforcement_level=int(self.level),
            level_name=self.level.label,
            reported_profit=self.event.reported_profit,
            verified_profit=v.verified_profit if v else None,
            currency=self.event.currency,
            share_rate=r.share_rate if r else None,
            share_amount=r.share_amount if r else None,
            billing_currency=r.billing_currency if r else None,
            fx_rate=r.fx_rate if r else None,
            discount_until=r.discount_until if r else None,
            amount_due=self.amount_due,
            amount_paid=self.amount_paid if r else None,
            credit=self.credit if r else None,
            due_at=r.due_at if r else None,
            payment_reference=r.payment_reference if r else None,
            verification=v.model_dump(mode="json") if v else None,
            review_reasons=self.review_reasons,
            payments=self.payments,
            created_at=r.recorded_at if r else None,
        )

    def details_markdown(self) -> str:
        """Current details for the Temporal UI: where the share stands, no amounts."""
        lines = [
            f"**{self.status}** · level {int(self.level)} ({self.level.label})",
            f"user `{self.event.user_id}` · session `{self.event.session_id}`",
        ]
        if self.recorded:
            lines.append(
                f"reference `{self.recorded.payment_reference}` · "
                f"due {self.recorded.due_at.isoformat()}"
            )
        if self.review_reasons:
            lines.append("review: " + ", ".join(self.review_reasons))
        return "\n\n".join(lines)
