"""The share workflow's state and the Share view built from it (pure, deterministic)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from activities.contracts import FxQuote
from domain.book import Book, BookStatus, Terms
from domain.ladder import Level, Stage
from domain.models import (
    DisputeOpened,
    DisputeResolution,
    DisputeView,
    PaymentSignal,
    PaymentView,
    ProfitEvent,
    ProofDecision,
    ProofSubmitted,
    ProofView,
    RecordedShare,
    ReviewDecision,
    ShareStatus,
    ShareView,
    VerificationSummary,
    Waiver,
)
from domain.policy import LEGACY_DISCOUNT_RATE
from domain.settlement import Made
from domain.upi import UPI_PROOF
from workflows.ids import share_workflow_id
from workflows.patches import Patches

# What may arrive while a share is open, handled one at a time in the order it arrived.
Message = PaymentSignal | ProofDecision | DisputeOpened | DisputeResolution | Waiver
OPEN_STATUSES = ("open", "disputed")
# Before these, the share has no recorded amount yet: what depends on it waits.
BEFORE_RECORD = ("received", "screening", "verifying", "under_review")


DISPUTE_KEY = "dispute"
WAIVER_KEY = "waiver"
RESOLUTION_KEY = "resolution"
# Where shares started before patch close_while_settling kept a refusal given after close:
# under the inbound class's name.
LEGACY_KEYS = {
    DISPUTE_KEY: "DisputeIn",
    WAIVER_KEY: "WaiverIn",
    RESOLUTION_KEY: "ResolutionIn",
    "proof": "ProofDecisionIn",
}


def payment_key(payment: PaymentSignal) -> str:
    return f"payment:{payment.provider}:{payment.transaction_id}"


def message_key(message: Message) -> str:
    """The key the `answer` query knows a message's answer by."""
    if isinstance(message, PaymentSignal):
        return payment_key(message)
    if isinstance(message, ProofDecision):
        return f"proof:{message.proof_id}"
    if isinstance(message, DisputeOpened):
        return DISPUTE_KEY
    if isinstance(message, DisputeResolution):
        return RESOLUTION_KEY
    return WAIVER_KEY


@dataclass
class ShareState:
    event: ProfitEvent
    status: ShareStatus = "received"
    level: Level = Level.NONE
    risk_decision: str = "pending"
    verification: VerificationSummary | None = None
    # ShareWorkflowV4: the rate the verification quoted, used when the share is recorded
    # without a review in between (None: QUOTE_FX quotes it then).
    fx_quote: FxQuote | None = None
    review_reasons: list[str] = field(default_factory=list)
    recorded: RecordedShare | None = None
    amount_paid: Decimal = Decimal(0)
    amount_due: Decimal | None = None
    credit: Decimal = Decimal(0)
    # The payments that counted toward the share (as applied, at their time): the moment they
    # completed it is judged from all of them (patch settle_at_last_payment).
    counted: list[Made] = field(default_factory=list)
    payments: list[PaymentView] = field(default_factory=list)
    inbox: list[Message] = field(default_factory=list)
    seen_transactions: set[str] = field(default_factory=set)
    review: ReviewDecision | None = None
    proofs: dict[str, ProofView] = field(default_factory=dict)
    decided_proofs: set[str] = field(default_factory=set)
    dispute: DisputeView | None = None
    dispute_resolution_requested: bool = False
    paused: timedelta = timedelta(0)
    waived_amount: Decimal | None = None
    discount_granted: Decimal = Decimal(0)
    refunded: Decimal = Decimal(0)
    written_off_amount: Decimal | None = None
    closed_reason: str | None = None
    payment_link: str | None = None
    patches: Patches = field(default_factory=Patches)
    # The answer each message got (applied, credited, refused: ...), by message key.
    answers: dict[str, str] = field(default_factory=dict)
    stalled: bool = False

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def answer(self, key: str) -> str | None:
        """A message's answer by its documented key; a share started before patch
        close_while_settling kept a refusal after close under the message class's name."""
        if key in self.answers:
            return self.answers[key]
        return self.answers.get(LEGACY_KEYS.get(key.split(":")[0], key))

    def stage_due(self, stage: Stage) -> datetime:
        """A stage's time: day N after day 0, later by the time spent disputed."""
        assert self.recorded is not None
        return stage.due(self.recorded.recorded_at) + self.paused

    def first_sight(self, payment: PaymentSignal) -> bool:
        """True the first time a (provider, transaction id) is seen: gateways repeat themselves."""
        key = f"{payment.provider}:{payment.transaction_id}"
        if key in self.seen_transactions:
            return False
        self.seen_transactions.add(key)
        return True

    def answer_payment(
        self, payment: PaymentSignal, answer: str, *, note: str, applied: bool = False
    ) -> None:
        """What became of a payment: a line in the share's payments and the message's answer."""
        self.payments.append(
            PaymentView(
                provider=payment.provider,
                transaction_id=payment.transaction_id,
                amount=payment.amount,
                currency=payment.currency,
                paid_at=payment.paid_at,
                applied=applied,
                note=note,
            )
        )
        self.answers[payment_key(payment)] = answer

    def accept_payment(self, payment: PaymentSignal) -> None:
        if self.first_sight(payment):
            self.inbox.append(payment)

    def approve_proof(self, proof_id: str) -> PaymentSignal | None:
        """Marks the proof approved; the payment it stands for, the first time it is seen."""
        proof = self.proofs[proof_id]
        self.proofs[proof_id] = proof.model_copy(update={"status": "approved"})
        payment = PaymentSignal(
            provider=UPI_PROOF,
            transaction_id=proof.transaction_id,
            amount=proof.amount,
            currency=proof.currency,
            paid_at=proof.paid_at,
        )
        return payment if self.first_sight(payment) else None

    def accept_proof(self, proof: ProofSubmitted) -> None:
        self.proofs.setdefault(
            proof.proof_id,
            ProofView(**proof.model_dump(), status="pending_review"),
        )

    def accept_proof_decision(self, decision: ProofDecision) -> None:
        """The first decision on a known, pending proof counts; repeats are ignored."""
        if decision.proof_id in self.proofs and decision.proof_id not in self.decided_proofs:
            self.decided_proofs.add(decision.proof_id)
            self.inbox.append(decision)

    def accept_dispute(self, dispute: DisputeOpened, at: datetime) -> None:
        """One dispute per share, and only while it is open (or, patched, not yet recorded)."""
        if self.dispute is not None:
            return
        if self.status == "open":
            self.dispute = DisputeView(reason=dispute.reason, opened_at=at)
            self.inbox.append(dispute)
        elif self.waits_for_record:
            # Waits in the inbox: the collection loop opens it once the share is recorded.
            self.dispute = DisputeView(reason=dispute.reason, opened_at=at)
            self.inbox.append(dispute)
        elif self.patches.answer_after_close:
            self.answers[DISPUTE_KEY] = f"refused: the share is {self.status}"

    def accept_resolution(self, resolution: DisputeResolution) -> None:
        if self.dispute is not None and not self.dispute_resolution_requested:
            self.dispute_resolution_requested = True
            self.inbox.append(resolution)

    def accept_waiver(self, waiver: Waiver) -> None:
        if any(isinstance(m, Waiver) for m in self.inbox):
            return
        if self.is_open or self.waits_for_record:
            self.inbox.append(waiver)
        elif self.patches.answer_after_close:
            self.answers[WAIVER_KEY] = f"refused: the share is {self.status}"

    def accept_review(self, decision: ReviewDecision) -> None:
        """The first decision counts; patched, one sent just before the share reached review
        (the API saw it there first) is kept for it."""
        waiting = self.status == "under_review" or (
            self.patches.queue_until_recorded and self.status in BEFORE_RECORD
        )
        if waiting and self.review is None:
            self.review = decision

    @property
    def waits_for_record(self) -> bool:
        return self.patches.queue_until_recorded and self.status in BEFORE_RECORD

    @property
    def workflow_id(self) -> str:
        return share_workflow_id(self.event.event_id)

    def bill(self) -> Terms:
        """The share's terms as recorded at day 0: replay never reads today's policy."""
        r = self.recorded
        assert r is not None
        return Terms(
            billed=r.billed_amount,
            currency=r.billing_currency,
            discount_rate=r.discount_rate if r.discount_rate is not None else LEGACY_DISCOUNT_RATE,
            discount_until=r.discount_until,
            places=r.billing_places,
        )

    def unpaid(self) -> Decimal:
        """What closing without payment forgives: the whole rest (a discount is earned by
        paying), so shares always reconcile as paid + due + waived."""
        bill = self.bill()
        return max(Decimal(0), bill.billed - self.amount_paid).quantize(bill.billed)

    def book(self) -> Book | None:
        """The share's money as domain/book.py keeps it; None before day 0."""
        if self.recorded is None:
            return None
        terms = self.bill()
        zero = terms.round(Decimal(0))
        return Book(
            terms,
            status=self._book_status(),
            paid=self.amount_paid,
            credit=self.credit,
            refunded=self.refunded,
            discount_granted=self.discount_granted,
            waived=self.waived_amount or zero,
            written_off=self.written_off_amount or zero,
        )

    def _book_status(self) -> BookStatus:
        if self.status == "waived":
            return "written_off" if self.closed_reason == "write_off" else "waived"
        if self.status == "rejected":
            return "cancelled"
        if self.status in ("open", "disputed", "paid"):
            return self.status  # type: ignore[return-value]
        return "no_share"

    def view(self, at: datetime | None = None) -> ShareView:
        """The Share; with `at` (the workflow's now) its figures are derived at that time."""
        r, v = self.recorded, self.verification
        book = self.book()
        figures = book.figures(at) if book is not None and at is not None else None
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
            amount_due=figures.amount_due if figures else self.amount_due,
            amount_paid=self.amount_paid if r else None,
            credit=self.credit if r else None,
            due_at=r.due_at if r else None,
            payment_reference=r.payment_reference if r else None,
            verification=v.model_dump(mode="json") if v else None,
            review_reasons=self.review_reasons,
            payments=self.payments,
            created_at=r.recorded_at if r else None,
            proofs=list(self.proofs.values()),
            dispute=self.dispute,
            waived_amount=self.waived_amount,
            closed_reason=self.closed_reason,
            payment_link=self.payment_link,
            billed=figures.billed if figures else None,
            discount_granted=figures.discount_granted if figures else None,
            refunded=figures.refunded if figures else None,
            written_off_amount=figures.written_off_amount if figures else None,
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
        if self.dispute is not None:
            lines.append(
                f"dispute opened {self.dispute.opened_at.isoformat()}"
                + (f" · {self.dispute.outcome}" if self.dispute.outcome else "")
            )
        pending = [p.proof_id for p in self.proofs.values() if p.status == "pending_review"]
        if pending:
            lines.append("payment proofs awaiting review: " + ", ".join(pending))
        if self.review_reasons:
            lines.append("review: " + ", ".join(self.review_reasons))
        return "\n\n".join(lines)
