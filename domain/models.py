"""Messages between the API, the workflow and its activities (pydantic, JSON-safe)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Literal, cast

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, IPvAnyAddress, model_validator

from domain.emails import Email
from domain.money import EXACT, minor_unit_places, to_minor
from domain.types import Currency, ExactMoney, Identifier, Money, Symbol, Text

ShareStatus = Literal[
    "received",
    "screening",
    "verifying",
    "under_review",
    "rejected",
    "no_share",
    "open",
    "disputed",
    "paid",
    "waived",
]
CLOSED_STATUSES = frozenset({"rejected", "no_share", "paid", "waived"})
# A share in these is still owed: a payment counts toward it, a waiver or write-off closes it.
OWED_STATUSES = ("open", "disputed")
# A share's first steps, before it is recorded as open or sent to review: its busiest time.
OPENING_STATUSES = ("received", "screening", "verifying")


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ProfitEvent(Model):
    event_id: Identifier
    user_id: Identifier
    account_id: Identifier
    exchange: Literal["binance"]
    session_id: Identifier
    session_start: AwareDatetime
    session_end: AwareDatetime
    symbols: list[Symbol] = Field(min_length=1, max_length=50)
    positions_count: int = Field(ge=0, le=100_000)
    reported_profit: Money
    currency: Currency
    ip: IPvAnyAddress | None = None
    device_fingerprint: Text | None = Field(default=None, max_length=256)
    # Optional (added to the contract): the fingerprint of the API key the session traded with.
    api_key_fingerprint: Text | None = Field(default=None, max_length=64)
    # Optional (CONTRACT.md): screened against disposable and suspicious email domains.
    email: Email | None = None

    @model_validator(mode="after")
    def _session_ends_after_it_starts(self) -> ProfitEvent:
        if self.session_end <= self.session_start:
            raise ValueError("session_end must be after session_start")
        return self

    def fingerprint(self) -> str:
        """Hash of the canonical body: the same event, however its amount or times are spelled
        ("1000.0", "1E+3"; another UTC offset), has the same fingerprint.

        The amount is written with the currency's places (more if it has more) and the times
        in UTC, which is how the old fingerprint (`_as_spelled`) saw an event sent in that
        usual spelling: for it the two are equal, so its stored fingerprint keeps matching.
        """
        amount = self.reported_profit.normalize(EXACT)
        own_places = max(0, -cast(int, amount.as_tuple().exponent))
        places = max(minor_unit_places(self.currency), own_places)  # never rounds: equal value
        canonical = self.model_copy(
            update={
                "reported_profit": to_minor(amount, self.currency, places),
                "session_start": self.session_start.astimezone(UTC),
                "session_end": self.session_end.astimezone(UTC),
            }
        )
        return canonical._as_spelled()

    def matches(self, recorded: str) -> bool:
        """Whether `recorded`, an event's stored fingerprint, is this event's.

        Events recorded before the canonical fingerprint hashed their spelling: one of those,
        sent again exactly as before, must still be a repeat (200), not a conflict (409).
        """
        return recorded in (self.fingerprint(), self._as_spelled())

    def _as_spelled(self) -> str:
        body = self.model_dump(mode="json")
        if body.get("email") is None:  # events from before `email` existed hash as they did
            body.pop("email", None)
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


class RiskSummary(Model):
    score: int
    decision: Literal["allow", "alert", "block"]
    reasons: list[str] = []


class VerificationSummary(Model):
    agreed: bool
    verified_profit: Money
    methods: dict[str, Money]
    reasons: list[str] = []
    fills: int = 0
    # Added with the inventory: reason -> the figures behind it (both positions counts, each
    # asset's expected and actual balance change...), and method -> the inputs it used.
    details: dict[str, str] = {}
    inputs: dict[str, str] = {}
    # The exchange's precision for the profit's currency (ccxt's currency precision, as
    # decimal places), when the exchange reported one; domain/money.py's table otherwise.
    currency_places: int | None = None
    # The FIFO figure before verified_profit's rounding, so the share is rounded only once,
    # in the billing currency (None in summaries recorded before it was kept).
    verified_profit_exact: ExactMoney | None = None


class RecordedShare(Model):
    """What the ledger recorded when the share opened (day 0)."""

    recorded_at: datetime
    share_rate: Money
    share_amount: Money
    billing_currency: Currency
    fx_rate: Money
    billed_amount: Money
    discount_until: datetime
    due_at: datetime
    payment_reference: str
    # Fixed at day 0 (None on shares recorded before: the brief's 5 %, the table's places).
    discount_rate: Money | None = None
    billing_places: int | None = None


class PaymentSignal(Model):
    provider: str = Field(min_length=1, max_length=32)
    transaction_id: str = Field(min_length=1, max_length=128)
    amount: Money
    currency: Currency
    paid_at: datetime


class ReviewDecision(Model):
    decision: Literal["approve", "reject"]
    verified_profit: Money | None = None
    note: Text = Field(default="", max_length=2000)
    # A rejection the admin judged fraud (a faked session): costs the user trust.
    confirmed_fraud: bool = False

    @model_validator(mode="after")
    def _fraud_is_a_rejection(self) -> ReviewDecision:
        if self.confirmed_fraud and self.decision != "reject":
            raise ValueError("confirmed_fraud goes with a reject decision")
        return self


class ProofSubmitted(Model):
    """A manual UPI payment proof, stored and waiting for an admin."""

    proof_id: str = Field(min_length=1, max_length=40)
    transaction_id: Text = Field(min_length=1, max_length=128)
    amount: Money
    currency: Currency
    paid_at: datetime


class ProofDecision(Model):
    proof_id: str = Field(min_length=1, max_length=40)
    decision: Literal["approve", "reject", "request_new_proof"]
    note: Text = Field(default="", max_length=2000)


class DisputeOpened(Model):
    reason: Text = Field(min_length=1, max_length=2000)


class DisputeResolution(Model):
    """upheld: the share stands, the ladder resumes with the time it had left;
    adjusted: the share is recomputed on `verified_profit` (rate, FX and discount window kept);
    cancelled: the share was not owed, it closes and its restrictions lift."""

    outcome: Literal["upheld", "adjusted", "cancelled"]
    verified_profit: Money | None = None
    note: Text = Field(default="", max_length=2000)

    @model_validator(mode="after")
    def _adjusted_needs_a_profit(self) -> DisputeResolution:
        if (self.outcome == "adjusted") != (self.verified_profit is not None):
            raise ValueError("verified_profit is required for adjusted, and only for adjusted")
        return self


class Waiver(Model):
    """waive forgives the share; write_off closes it as uncollectable and blocks the user."""

    kind: Literal["waive", "write_off"] = "waive"
    note: Text = Field(default="", max_length=2000)


class PaymentView(Model):
    provider: str
    transaction_id: str
    amount: Money
    currency: str
    paid_at: datetime
    applied: bool
    note: str = ""
    # As the ledger recorded it: applied, credited (kept as credit), refused, received.
    status: str | None = None


class ProofView(Model):
    proof_id: str
    transaction_id: str
    amount: Money
    currency: str
    paid_at: datetime
    status: Literal["pending_review", "approved", "rejected", "new_proof_requested"]


class DisputeView(Model):
    reason: str
    opened_at: datetime
    outcome: str | None = None
    resolved_at: datetime | None = None


class ShareView(Model):
    """The Share of CONTRACT.md."""

    event_id: str
    workflow_id: str
    user_id: str
    status: ShareStatus
    enforcement_level: int
    level_name: str
    reported_profit: Money
    verified_profit: Money | None = None
    currency: str
    share_rate: Money | None = None
    share_amount: Money | None = None
    billing_currency: str | None = None
    fx_rate: Money | None = None
    discount_until: datetime | None = None
    amount_due: Money | None = None
    amount_paid: Money | None = None
    credit: Money | None = None
    due_at: datetime | None = None
    payment_reference: str | None = None
    verification: dict | None = None
    review_reasons: list[str] = []
    payments: list[PaymentView] = []
    created_at: datetime | None = None
    # Added to the contract's Share (optional fields):
    proofs: list[ProofView] = []
    dispute: DisputeView | None = None
    waived_amount: Money | None = None
    closed_reason: str | None = None
    payment_link: str | None = None
    # The figures that balance (CONTRACT.md): billed = amount_paid − credit − refunded
    # + amount_due + discount_granted + waived_amount + written_off_amount.
    billed: Money | None = None
    discount_granted: Money | None = None
    refunded: Money | None = None
    written_off_amount: Money | None = None
