"""The weekly fraud analysis and the monthly trust review, as pure aggregations over facts."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from domain.policy import Policy


# --- trust review ----------------------------------------------------------------------------
@dataclass(frozen=True)
class UserTrust:
    user_id: str
    trust_score: int
    blocked: bool = False


@dataclass(frozen=True)
class TrustChange:
    """One `trust.changed` audit entry."""

    user_id: str
    at: datetime
    delta: int
    reason: str


@dataclass(frozen=True)
class TrustBand:
    label: str
    low: int
    high: int


def trust_bands(policy: Policy) -> tuple[TrustBand, ...]:
    """Bands of 20 points, split where the configured policy draws a line: below
    min_to_trade the user cannot trade, from loyalty_min_trust the loyalty rate applies
    (30 and 90 by default: 0-29, 30-49, 50-69, 70-89, 90-100)."""
    edges = sorted({0, 50, 70, policy.trust.min_to_trade, policy.share.loyalty_min_trust})
    highs = [edge - 1 for edge in edges[1:]] + [100]
    return tuple(
        TrustBand(f"{low}-{high}", low, high) for low, high in zip(edges, highs, strict=True)
    )


@dataclass(frozen=True)
class Mover:
    user_id: str
    net_change: int
    raised: int
    lowered: int


@dataclass(frozen=True)
class ReasonTotal:
    reason: str
    count: int
    total_delta: int


@dataclass(frozen=True)
class TrustReview:
    since: datetime
    until: datetime
    users: int
    bands: tuple[tuple[str, int], ...]
    below_threshold: tuple[UserTrust, ...]
    movers: tuple[Mover, ...]
    by_reason: tuple[ReasonTotal, ...]


def trust_review(
    users: Iterable[UserTrust],
    changes: Iterable[TrustChange],
    since: datetime,
    until: datetime,
    policy: Policy,
) -> TrustReview:
    """Users per trust band now, who cannot trade for low trust, and what moved trust in
    [since, until), by the configured policy's thresholds."""
    users = list(users)
    bands = tuple(
        (band.label, sum(1 for u in users if band.low <= u.trust_score <= band.high))
        for band in trust_bands(policy)
    )
    below = sorted(
        (u for u in users if u.trust_score < policy.trust.min_to_trade),
        key=lambda u: (u.trust_score, u.user_id),
    )
    in_window = [ch for ch in changes if since <= ch.at < until]
    net: dict[str, int] = defaultdict(int)
    raised: Counter[str] = Counter()
    lowered: Counter[str] = Counter()
    reasons: dict[str, list[int]] = defaultdict(list)
    for change in in_window:
        net[change.user_id] += change.delta
        (raised if change.delta > 0 else lowered)[change.user_id] += 1
        reasons[change.reason].append(change.delta)
    movers = sorted(
        (Mover(user, net[user], raised[user], lowered[user]) for user in net),
        key=lambda m: (m.net_change, m.user_id),
    )
    return TrustReview(
        since=since,
        until=until,
        users=len(users),
        bands=bands,
        below_threshold=tuple(below),
        movers=tuple(movers),
        by_reason=tuple(
            ReasonTotal(reason, len(deltas), sum(deltas))
            for reason, deltas in sorted(reasons.items())
        ),
    )


# --- fraud analysis --------------------------------------------------------------------------
@dataclass(frozen=True)
class ScreenedShare:
    """A share opened in the window, with what screening and verification said about it."""

    event_id: str
    user_id: str
    status: str
    review_reasons: tuple[str, ...]
    risk_decision: str  # allow | alert | block, or "unrecorded" where nothing kept it


@dataclass(frozen=True)
class FraudAnalysis:
    since: datetime
    until: datetime
    shares: int
    by_status: tuple[tuple[str, int], ...]
    by_risk_decision: tuple[tuple[str, int], ...]
    by_review_reason: tuple[tuple[str, int], ...]
    held: tuple[ScreenedShare, ...]
    blocked_users: tuple[str, ...]
    alerts_by_action: tuple[tuple[str, int], ...]


def fraud_analysis(
    shares: Iterable[ScreenedShare],
    blocked_users: Iterable[str],
    alert_actions: Iterable[str],
    since: datetime,
    until: datetime,
) -> FraudAnalysis:
    """What screening caught in [since, until): decisions, review reasons, the shares held for
    an admin, who is blocked, and the ops alerts raised."""
    shares = list(shares)
    reasons: Counter[str] = Counter(r for share in shares for r in share.review_reasons)
    held = sorted(
        (s for s in shares if s.review_reasons or s.risk_decision == "block"),
        key=lambda s: s.event_id,
    )
    return FraudAnalysis(
        since=since,
        until=until,
        shares=len(shares),
        by_status=_counted(s.status for s in shares),
        by_risk_decision=_counted(s.risk_decision for s in shares),
        by_review_reason=tuple(sorted(reasons.items())),
        held=tuple(held),
        blocked_users=tuple(sorted(set(blocked_users))),
        alerts_by_action=_counted(alert_actions),
    )


def _counted(values: Iterable[str]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(Counter(values).items()))
