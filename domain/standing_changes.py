"""Which changes of a user's standing the backend is told about (issue 5.3).

The backend hears of a level going up or down, a block or unblock, and the trust score
crossing the trading threshold (the policy's min_to_trade, 30 by default) either way;
smaller trust moves are not news.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from domain.ladder import Level, can_access, can_trade
from domain.policy import TrustPolicy

Change = Literal[
    "blocked",
    "unblocked",
    "level_up",
    "level_down",
    "trust_below_threshold",
    "trust_restored",
    "terms_not_accepted",
    "terms_accepted",
]


@dataclass(frozen=True)
class Standing:
    user_id: str
    enforcement_level: int
    trust_score: int
    blocked: bool
    # False while terms are in force that the user has not accepted (issue 18): no trading.
    terms_accepted: bool = True
    # The configured trading threshold (TrustPolicy.min_to_trade) the standing is judged by.
    min_trust: int = field(kw_only=True)

    @classmethod
    def initial(cls, user_id: str, policy: TrustPolicy) -> Standing:
        """What a user is assumed to be before anything was published about them."""
        return cls(
            user_id, int(Level.NONE), policy.start, blocked=False, min_trust=policy.min_to_trade
        )

    @property
    def can_trade(self) -> bool:
        return self.terms_accepted and can_trade(
            level=self.enforcement_level,
            trust_score=self.trust_score,
            blocked=self.blocked,
            min_trust=self.min_trust,
        )

    @property
    def reasons(self) -> list[str]:
        """Why the user may not trade, the most significant first (empty when they may)."""
        found = []
        if self.blocked:
            found.append("blocked")
        if self.enforcement_level >= Level.SUSPENDED:
            found.append(Level(self.enforcement_level).label)
        if self.trust_score < self.min_trust:
            found.append("trust_below_threshold")
        if not self.terms_accepted:
            found.append("terms_not_accepted")
        return found

    @property
    def can_access(self) -> bool:
        return can_access(level=self.enforcement_level)


def changes(before: Standing, after: Standing) -> list[Change]:
    """The notable changes from `before` to `after`, the most significant first."""
    found: list[Change] = []
    if after.blocked != before.blocked:
        found.append("blocked" if after.blocked else "unblocked")
    if after.enforcement_level != before.enforcement_level:
        found.append(
            "level_up" if after.enforcement_level > before.enforcement_level else "level_down"
        )
    threshold = after.min_trust
    if (after.trust_score < threshold) != (before.trust_score < threshold):
        found.append("trust_below_threshold" if after.trust_score < threshold else "trust_restored")
    if after.terms_accepted != before.terms_accepted:
        found.append("terms_accepted" if after.terms_accepted else "terms_not_accepted")
    return found


def event_type(found: list[Change]) -> str:
    """The webhook `type` names the most significant change; `data.changes` lists them all."""
    return f"standing.{found[0]}"


def payload(after: Standing, found: list[Change], *, reason: str, at: datetime) -> dict[str, Any]:
    """The webhook's `data`: the standing as GET /v1/users/{id}/standing names it, no amounts."""
    return {
        "user_id": after.user_id,
        "enforcement_level": after.enforcement_level,
        "level_name": Level(after.enforcement_level).label,
        "can_trade": after.can_trade,
        "can_access": after.can_access,
        "blocked": after.blocked,
        "trust_score": after.trust_score,
        "terms_accepted": after.terms_accepted,
        "reasons": after.reasons,
        "changes": list(found),
        "reason": reason,
        "at": at.isoformat(),
    }


def from_payload(data: dict[str, Any], min_trust: int) -> Standing:
    """The standing last published (the threshold is today's configured one)."""
    return Standing(
        user_id=data["user_id"],
        enforcement_level=int(data["enforcement_level"]),
        trust_score=int(data["trust_score"]),
        blocked=bool(data["blocked"]),
        terms_accepted=bool(data.get("terms_accepted", True)),
        min_trust=min_trust,
    )
