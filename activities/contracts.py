"""Activity names and their inputs: what the workflow may import (no I/O libraries here)."""

from __future__ import annotations

from datetime import date, datetime

from domain.models import Model, PaymentSignal, ProfitEvent, ShareStatus, VerificationSummary
from domain.types import Money

SCREEN_USER = "screen_user"
VERIFY_SESSION = "verify_session"
OPEN_SHARE = "open_share"
SET_STATUS = "set_share_status"
RECORD_SHARE = "record_share"
ESCALATE = "escalate"
APPLY_PAYMENT = "apply_payment"
ALERT_OPS = "alert_ops"


class SetStatusInput(Model):
    event_id: str
    user_id: str
    status: ShareStatus
    at: datetime
    verification: VerificationSummary | None = None
    reasons: list[str] = []
    note: str = ""


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
    event_id: str
    user_id: str
    payment: PaymentSignal
    amount_paid: Money
    amount_due: Money
    credit: Money
    settled: bool
    discounted: bool
    at: datetime


class OpsAlert(Model):
    subject: str
    reason: str
    key: str
    at: datetime


REFRESH_IP_INTEL = "refresh_ip_intel"


class IpListRefreshed(Model):
    entries: int
    # Lines that were not an IP address or network, left out of the written list.
    rejected: int


class IpIntelRefreshed(Model):
    data_as_of: date
    lists: dict[str, IpListRefreshed]
