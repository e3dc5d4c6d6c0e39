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


DEFAULT_SHARE_POLICY = SharePolicy()
DEFAULT_TRUST_POLICY = TrustPolicy()


def clamp_trust(score: int) -> int:
    return max(0, min(100, score))
