"""Activity names, inputs, outputs and non-retryable error types: what workflows may import
(no I/O libraries here). `ACTIVITIES` holds each share activity's contract in one object, which
workflows call through typed stubs (workflows/stalls.py), so mypy checks every call."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Generic, TypeVar

from domain.models import (
    Model,
    PaymentSignal,
    ProfitEvent,
    RecordedShare,
    RiskSummary,
    ShareStatus,
    VerificationSummary,
)
from domain.reports import ReportKind
from domain.types import Money

SCREEN_USER = "screen_user"
VERIFY_SESSION = "verify_session"
OPEN_SHARE = "open_share"
SET_STATUS = "set_share_status"
RECORD_SHARE = "record_share"
ESCALATE = "escalate"
APPLY_PAYMENT = "apply_payment"
ALERT_OPS = "alert_ops"
OPEN_DISPUTE = "open_dispute"
RESOLVE_DISPUTE = "resolve_dispute"
CLOSE_SHARE = "close_share"
SET_PAYMENT_LINK = "set_payment_link"
QUOTE_FX = "quote_fx"
UNDO_STAGES = "undo_stages"
OPEN_AND_SCREEN = "open_and_screen"
VERIFY_AND_QUOTE = "verify_session_and_quote_fx"

# Non-retryable error types, next to the activities that raise them.
# VERIFY_SESSION: the account's key is not valid (or not this user's): the share goes to review.
CREDENTIALS_INVALID = "ExchangeCredentialsInvalid"
# VERIFY_SESSION: the exchange refused for good (unknown symbol, no permission): review.
EXCHANGE_REFUSED = "ExchangeRefused"
# QUOTE_FX: the source has no rate for the pair; retrying will not make one.
FX_RATE_UNKNOWN = "FxRateUnknown"


class FxQuoteInput(Model):
    event_id: str
    currency: str


class FxQuote(Model):
    """The rate a share is billed at, fetched before RECORD_SHARE so that it lands in the
    workflow's history and no network call happens under the ledger's locks."""

    base: str
    billing_currency: str
    rate: Money


class VerifiedSession(Model):
    """VERIFY_AND_QUOTE (ShareWorkflowV4): the verification, and the rate the share is billed
    at, quoted right after it when the exchange agreed (None when it did not: such a share
    goes to review, and is quoted when it is recorded)."""

    verification: VerificationSummary
    fx: FxQuote | None = None


class SetStatusInput(Model):
    event_id: str
    user_id: str
    status: ShareStatus
    at: datetime
    verification: VerificationSummary | None = None
    reasons: list[str] = []
    note: str = ""
    confirmed_fraud: bool = False
    # `no_share` after a review: the profit the admin decided, whose loss is carried (the
    # verification's own figure otherwise). ShareWorkflowV3 sends it.
    decided_profit: Money | None = None


class OpenAndScreenInput(Model):
    """OPEN_SHARE, the `screening` status, SCREEN_USER and the `verifying` status as one
    local activity (patch lean): each step as its own activity would write it, at `at`."""

    event: ProfitEvent
    at: datetime


class RecordShareInput(Model):
    event: ProfitEvent
    verified_profit: Money
    verification: VerificationSummary
    at: datetime
    # From QUOTE_FX; None from shares started before it existed (the ledger then fetches it).
    fx: FxQuote | None = None


class EscalateInput(Model):
    event_id: str
    user_id: str
    level: int
    stage: str
    at: datetime


class ApplyPaymentInput(Model):
    """A payment for a share. On an open share the figures are the workflow's (domain/book);
    on a share that owes nothing (or with credit_only) the ledger keeps the money as credit
    and the figures are not read."""

    event_id: str
    user_id: str
    payment: PaymentSignal
    amount_paid: Money = Decimal(0)
    amount_due: Money = Decimal(0)
    credit: Money = Decimal(0)
    settled: bool = False
    discounted: bool = False
    at: datetime
    discount_granted: Money | None = None
    # Why the applied amount differs from the payment's (rounded to the minor unit).
    note: str = ""
    credit_only: bool = False
    # The moment the share's payments completed it, when this one settled it (the latest
    # paid_at among those that count): "paid on time" is judged then. None (shares started
    # before, older histories): at this payment's own paid_at.
    settled_at: datetime | None = None


class UndoneStage(Model):
    stage: str
    level: int


class UndoStagesInput(Model):
    """A payment made before these stages' times settled the share: undo what they did."""

    event_id: str
    user_id: str
    stages: list[UndoneStage]
    level: int  # the share's level as of the payment
    paid_at: datetime
    at: datetime


class OpsAlert(Model):
    subject: str
    reason: str
    key: str
    at: datetime


class PaymentLinkInput(Model):
    event_id: str
    url: str


class OpenDisputeInput(Model):
    event_id: str
    user_id: str
    at: datetime


class ResolveDisputeInput(Model):
    """The share after an admin resolved its dispute; amounts only when they changed."""

    event_id: str
    user_id: str
    outcome: str
    status: ShareStatus
    due_at: datetime
    at: datetime
    note: str = ""
    verified_profit: Money | None = None
    share_amount: Money | None = None
    billed_amount: Money | None = None
    amount_due: Money | None = None
    credit: Money | None = None
    waived_amount: Money | None = None
    # The ledger prices the outcome itself (domain/book.py, the carried loss of the
    # high-water mark applied as at day 0) and returns DisputeSettled; amounts above unused.
    priced_by_ledger: bool = False


class DisputeSettled(Model):
    """The share after its dispute, as the ledger priced it."""

    status: ShareStatus
    verified_profit: Money | None = None
    share_amount: Money
    billed_amount: Money
    amount_paid: Money
    amount_due: Money
    credit: Money
    discount_granted: Money
    waived_amount: Money | None = None


class CloseShareInput(Model):
    """Closes a share without payment (waived or written off): restrictions lift."""

    event_id: str
    user_id: str
    reason: str
    waived_amount: Money
    at: datetime
    note: str = ""
    block_user: bool = False


STUCK_PAYMENTS = "stuck_payments"
MARK_PAYMENT_REDELIVERED = "mark_payment_redelivered"
CREDIT_PAYMENT = "credit_payment"


class StuckPaymentsInput(Model):
    """Payment rows still `received`: never signalled and older than this, or signalled long
    ago to a share now closed (the reconciler)."""

    older_than_seconds: int
    at: datetime
    limit: int = 100


class StuckPayment(Model):
    event_id: str
    user_id: str
    payment: PaymentSignal


class RedeliveredInput(Model):
    provider: str
    transaction_id: str
    at: datetime


class CreditPaymentInput(Model):
    """A payment whose share's workflow has completed: kept as the user's credit, audited."""

    event_id: str
    user_id: str
    payment: PaymentSignal
    at: datetime


CLOSE_IN_COLLECTIONS = "close_in_collections"


class CloseInCollectionsInput(Model):
    """An admin's waiver or write-off of a share whose workflow completed in collections."""

    event_id: str
    user_id: str
    kind: str
    note: str = ""
    at: datetime


GENERATE_REPORT = "generate_report"


class GenerateReportInput(Model):
    kind: ReportKind
    as_of: datetime


class ReportSummary(Model):
    """What the report workflow returns and shows in the Temporal UI: counts, no amounts."""

    kind: str
    period: str
    as_of: datetime
    generated_at: datetime
    headline: str


REFRESH_IP_INTEL = "refresh_ip_intel"


class IpListRefreshed(Model):
    entries: int
    # Lines that were not an IP address or network, left out of the written list.
    rejected: int


class IpIntelRefreshed(Model):
    data_as_of: date
    lists: dict[str, IpListRefreshed]


In = TypeVar("In")
Out = TypeVar("Out")


@dataclass(frozen=True)
class Contract(Generic[In, Out]):
    """One activity as a workflow calls it. `output` None: the activity returns nothing."""

    name: str
    input: type[In]
    output: type[Out] | None
    # Error types the activity raises that must not be retried (ApplicationError.type).
    non_retryable: tuple[str, ...] = ()
    # A short PostgreSQL transaction: a share run with the lean patch calls it as a local
    # activity (no server round trip, no history events of its own but one marker).
    # Whatever calls the outside world (exchange, gateways, notices, a remote FX source)
    # stays an ordinary activity, retried and seen by the server on its own.
    local: bool = False


@dataclass(frozen=True)
class _ShareActivities:
    open_share: Contract[ProfitEvent, None] = Contract(OPEN_SHARE, ProfitEvent, None, local=True)
    screen_user: Contract[ProfitEvent, RiskSummary] = Contract(
        SCREEN_USER, ProfitEvent, RiskSummary, local=True
    )
    open_and_screen: Contract[OpenAndScreenInput, RiskSummary] = Contract(
        OPEN_AND_SCREEN, OpenAndScreenInput, RiskSummary, local=True
    )
    verify_session: Contract[ProfitEvent, VerificationSummary] = Contract(
        VERIFY_SESSION,
        ProfitEvent,
        VerificationSummary,
        non_retryable=(CREDENTIALS_INVALID, EXCHANGE_REFUSED),
    )
    set_status: Contract[SetStatusInput, None] = Contract(
        SET_STATUS, SetStatusInput, None, local=True
    )
    # ShareWorkflowV4: the verification and the FX quote in one activity, both reads of the
    # outside world, retried together (a retry finds the committed verification and reads
    # the exchange no more): one activity and one workflow task less per share (issue 20).
    verify_and_quote: Contract[ProfitEvent, VerifiedSession] = Contract(
        VERIFY_AND_QUOTE,
        ProfitEvent,
        VerifiedSession,
        non_retryable=(CREDENTIALS_INVALID, EXCHANGE_REFUSED, FX_RATE_UNKNOWN),
    )
    quote_fx: Contract[FxQuoteInput, FxQuote] = Contract(
        QUOTE_FX, FxQuoteInput, FxQuote, non_retryable=(FX_RATE_UNKNOWN,)
    )
    record_share: Contract[RecordShareInput, RecordedShare] = Contract(
        RECORD_SHARE, RecordShareInput, RecordedShare, local=True
    )
    set_payment_link: Contract[PaymentLinkInput, None] = Contract(
        SET_PAYMENT_LINK, PaymentLinkInput, None, local=True
    )
    escalate: Contract[EscalateInput, bool] = Contract(ESCALATE, EscalateInput, bool, local=True)
    undo_stages: Contract[UndoStagesInput, None] = Contract(
        UNDO_STAGES, UndoStagesInput, None, local=True
    )
    # "applied", "duplicate", "credited" or "refused" (activities/ledger/payments.py); shares
    # recorded before that answer exist returned a bool (True: applied), kept for replay.
    apply_payment: Contract[ApplyPaymentInput, str | bool] = Contract(
        APPLY_PAYMENT,
        ApplyPaymentInput,
        str | bool,  # type: ignore[arg-type]
        local=True,
    )
    alert_ops: Contract[OpsAlert, None] = Contract(ALERT_OPS, OpsAlert, None, local=True)
    open_dispute: Contract[OpenDisputeInput, None] = Contract(
        OPEN_DISPUTE, OpenDisputeInput, None, local=True
    )
    # Priced by the ledger (ResolveDisputeInput.priced_by_ledger): the share as it priced it.
    resolve_dispute: Contract[ResolveDisputeInput, DisputeSettled | None] = Contract(
        RESOLVE_DISPUTE,
        ResolveDisputeInput,
        DisputeSettled | None,  # type: ignore[arg-type]
        local=True,
    )
    close_share: Contract[CloseShareInput, None] = Contract(
        CLOSE_SHARE, CloseShareInput, None, local=True
    )
    stuck_payments: Contract[StuckPaymentsInput, list[StuckPayment]] = Contract(
        STUCK_PAYMENTS,
        StuckPaymentsInput,
        list[StuckPayment],  # type: ignore[arg-type]
    )
    mark_payment_redelivered: Contract[RedeliveredInput, None] = Contract(
        MARK_PAYMENT_REDELIVERED, RedeliveredInput, None
    )
    credit_payment: Contract[CreditPaymentInput, str] = Contract(
        CREDIT_PAYMENT, CreditPaymentInput, str
    )
    close_in_collections: Contract[CloseInCollectionsInput, str] = Contract(
        CLOSE_IN_COLLECTIONS, CloseInCollectionsInput, str
    )
    generate_report: Contract[GenerateReportInput, ReportSummary] = Contract(
        GENERATE_REPORT, GenerateReportInput, ReportSummary
    )


ACTIVITIES = _ShareActivities()
