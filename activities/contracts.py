"""Activity names and their inputs: what the workflow may import (no I/O libraries here)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from domain.models import Model, PaymentSignal, ProfitEvent, ShareStatus, VerificationSummary
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


class SetStatusInput(Model):
    event_id: str
    user_id: str
    status: ShareStatus
    at: datetime
    verification: VerificationSummary | None = None
    reasons: list[str] = []
    note: str = ""
    confirmed_fraud: bool = False


class RecordShareInput(Model):
    event: ProfitEvent
    verified_profit: Money
    verification: VerificationSummary
    at: datetime


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
