"""The policy: every figure the product brief makes configurable, in one validated object.

Loaded once per process from configuration (config/policy.py: PROFITSHARE_POLICY_* or a
policy file) and passed to whoever needs it. What a share charges is snapshotted onto the
share at day 0 (rate, discount rate and window, FX, due date, places), so a policy change
never moves an open share and replay reads the share, not the policy.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.currencies import BILLING_OVERRIDES
from domain.ladder import WARNING_DAY
from domain.pnl.verification import VerificationPolicy

Rate = Annotated[Decimal, Field(ge=0, le=1)]
Delta = Annotated[int, Field(ge=-100, le=100)]


class SharePolicy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    share_rate: Rate = Decimal("0.15")
    loyalty_rate: Rate = Decimal("0.135")
    loyalty_min_trust: int = Field(default=90, ge=0, le=100)
    early_discount: Rate = Decimal("0.05")
    early_window: timedelta = timedelta(days=3)
    # Places a currency is billed in when it differs from its table (USDT to the cent).
    billing_places: dict[str, Annotated[int, Field(ge=0, le=18)]] = dict(BILLING_OVERRIDES)

    @model_validator(mode="after")
    def _sane(self) -> SharePolicy:
        if self.loyalty_rate > self.share_rate:
            raise ValueError("loyalty_rate must not be above share_rate")
        if not timedelta(0) <= self.early_window <= self.due_after:
            raise ValueError("early_window must lie between 0 and the due date (ladder day 7)")
        return self

    @property
    def due_after(self) -> timedelta:
        """The due date is the ladder's warning day: one home for day 7."""
        return timedelta(days=WARNING_DAY)

    def rate_for(self, trust_score: int) -> Decimal:
        """The rate is fixed when the share is recorded; trusted users pay less."""
        return self.loyalty_rate if trust_score >= self.loyalty_min_trust else self.share_rate


class TrustPolicy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    start: int = Field(default=50, ge=0, le=100)
    paid_on_time: Delta = 5
    paid_late: Delta = 2
    warning: Delta = -5
    suspension: Delta = -10
    lock: Delta = -20
    confirmed_fraud: Delta = -25
    min_to_trade: int = Field(default=30, ge=0, le=100)
    # Trust also moves with account age and API-key consistency (issue 18), computed from
    # the ledger when it is read (effective trust), never stored: +1 per full 30 days of
    # account age up to +10; +5 once at least 5 sessions traded with the one key ever
    # connected; -5 when 3 or more different keys were connected (keys passed around).
    age_days_per_point: int = Field(default=30, ge=1)
    age_max_points: int = Field(default=10, ge=0, le=100)
    consistent_key_min_sessions: int = Field(default=5, ge=1)
    consistent_key_points: Delta = 5
    key_churn_keys: int = Field(default=3, ge=2)
    key_churn_points: Delta = -5
    # Trusted users (effective trust at or above this) get a higher review limit.
    trusted_min: int = Field(default=80, ge=0, le=100)
    trusted_review_factor: Decimal = Field(default=Decimal(2), ge=1)


class VerificationFigures(BaseModel):
    """The session checks' figures (domain/pnl/verification.py); the review limit is
    REVIEW_LIMIT's (a setting, converted through FX), not the policy's."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tolerance: Rate = Decimal("0.05")
    min_duration_minutes: int = Field(default=5, ge=0)

    def policy(self) -> VerificationPolicy:
        return VerificationPolicy(
            tolerance=self.tolerance, min_duration_minutes=self.min_duration_minutes
        )


class Policy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    share: SharePolicy = SharePolicy()
    trust: TrustPolicy = TrustPolicy()
    verification: VerificationFigures = VerificationFigures()


# Shares recorded before the snapshot columns existed were given these terms.
LEGACY_DISCOUNT_RATE = Decimal("0.05")


def clamp_trust(score: int) -> int:
    return max(0, min(100, score))


def trust_signals(
    policy: TrustPolicy, *, account_age_days: int, api_keys: int, sessions: int
) -> dict[str, int]:
    """Points from account age and API-key consistency, by signal (only the non-zero ones)."""
    points = {
        "account_age": min(policy.age_max_points, account_age_days // policy.age_days_per_point),
        "consistent_api_key": policy.consistent_key_points
        if api_keys == 1 and sessions >= policy.consistent_key_min_sessions
        else 0,
        "api_key_churn": policy.key_churn_points if api_keys >= policy.key_churn_keys else 0,
    }
    return {name: value for name, value in points.items() if value}


def effective_trust(score: int, signals: dict[str, int]) -> int:
    return clamp_trust(score + sum(signals.values()))


def review_limit_for(base: Decimal, effective: int, policy: TrustPolicy) -> Decimal:
    """A trusted user's sessions go to review only above a higher limit."""
    return base * policy.trusted_review_factor if effective >= policy.trusted_min else base
