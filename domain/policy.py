"""Policy defaults from the product brief (DESIGN.md); every figure is configurable."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal


@dataclass(frozen=True)
class SharePolicy:
    share_rate: Decimal = Decimal("0.15")
    loyalty_rate: Decimal = Decimal("0.135")
    loyalty_min_trust: int = 90
    early_discount: Decimal = Decimal("0.05")
    early_window: timedelta = timedelta(days=3)
    due_after: timedelta = timedelta(days=7)

    def rate_for(self, trust_score: int) -> Decimal:
        """The rate is fixed when the share is recorded; trusted users pay less."""
        return self.loyalty_rate if trust_score >= self.loyalty_min_trust else self.share_rate


@dataclass(frozen=True)
class TrustPolicy:
    start: int = 50
    paid_on_time: int = 5
    paid_late: int = 2
    warning: int = -5
    suspension: int = -10
    lock: int = -20
    confirmed_fraud: int = -25
    min_to_trade: int = 30
    # Trust also moves with account age and API-key consistency (issue 18), computed from
    # the ledger when it is read (effective trust), never stored: +1 per full 30 days of
    # account age up to +10; +5 once at least 5 sessions traded with the one key ever
    # connected; -5 when 3 or more different keys were connected (keys passed around).
    age_days_per_point: int = 30
    age_max_points: int = 10
    consistent_key_min_sessions: int = 5
    consistent_key_points: int = 5
    key_churn_keys: int = 3
    key_churn_points: int = -5
    # Trusted users (effective trust at or above this) get a higher review limit.
    trusted_min: int = 80
    trusted_review_factor: Decimal = Decimal(2)


DEFAULT_SHARE_POLICY = SharePolicy()
DEFAULT_TRUST_POLICY = TrustPolicy()


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
