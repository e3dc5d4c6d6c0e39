"""Cross-check a reported session profit against the exchange's fills (DESIGN.md, session checks).

Definitions this module commits to:
- Session fills are those with session_start_ms <= timestamp_ms <= session_end_ms; a fill
  id seen twice (overlapping pages of a fetch) counts once, and two different fills under
  one id are flagged "conflicting_fills".
- positions_count is the number of distinct order ids among the session fills: an order
  filled in several parts is one position.
- The methods agree when every pair differs by at most tolerance x the largest absolute
  figure (all zero agrees). An open position at the end makes cash_flow include
  unrealized P&L, so a large one surfaces as "methods_disagree" (see methods.py).
- The verified profit is the FIFO figure quantized to the quote's minor unit. The reported
  profit matches when it is within tolerance x |verified profit| of it; the exchange's
  figure is the reference, so a verified zero requires a reported zero.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from enum import StrEnum
from itertools import combinations

from domain.money import EXACT, to_minor
from domain.pnl.fills import Fill, FillPrices, MissingPrice, MixedQuoteCurrencies, session_quote
from domain.pnl.methods import average_cost, cash_flow, fifo, net_position


class Reason(StrEnum):
    SESSION_TOO_SHORT = "session_too_short"
    POSITIONS_COUNT_MISMATCH = "positions_count_mismatch"
    CONFLICTING_FILLS = "conflicting_fills"
    MISSING_PRICE = "missing_price"
    MIXED_QUOTE_CURRENCIES = "mixed_quote_currencies"
    METHODS_DISAGREE = "methods_disagree"
    REPORTED_PROFIT_MISMATCH = "reported_profit_mismatch"
    LARGE_PROFIT_REVIEW = "large_profit_review"


class Outcome(StrEnum):
    NO_SHARE = "no_share"
    UNDER_REVIEW = "under_review"
    OPEN = "open"


# check name (a key of VerificationResult.checks) -> the reason recorded when it fails
_REASON_IF_FAILED: Mapping[str, Reason] = {
    "duration": Reason.SESSION_TOO_SHORT,
    "positions_count": Reason.POSITIONS_COUNT_MISMATCH,
    "fills_consistent": Reason.CONFLICTING_FILLS,
    "prices_available": Reason.MISSING_PRICE,
    "single_quote_currency": Reason.MIXED_QUOTE_CURRENCIES,
    "methods_agree": Reason.METHODS_DISAGREE,
    "reported_profit": Reason.REPORTED_PROFIT_MISMATCH,
    "within_review_limit": Reason.LARGE_PROFIT_REVIEW,
}


@dataclass(frozen=True)
class VerificationPolicy:
    tolerance: Decimal = Decimal("0.05")
    min_duration_minutes: int = 5
    review_above: Decimal = Decimal("10000")  # in the session's quote currency


DEFAULT_VERIFICATION_POLICY = VerificationPolicy()


@dataclass(frozen=True)
class VerificationResult:
    """Outcome of verify_session.

    Attributes:
        agreed: no reason was recorded.
        methods: unquantized figure per method ("fifo", "average_cost", "cash_flow");
            empty when they could not be computed (see reasons).
        verified_profit: FIFO figure in the quote's minor unit; zero when not computed.
        reasons: Reason codes of the failed checks, in check order.
        checks: check name -> passed, for the checks that could be evaluated.
        open_positions: symbols not flat at the end -> signed base quantity.
        currency: quote currency of the figures, None when the session had no fills.
        fills: number of session fills used.
    """

    agreed: bool
    methods: dict[str, Decimal]
    verified_profit: Decimal
    reasons: tuple[str, ...]
    checks: dict[str, bool]
    open_positions: dict[str, Decimal] = field(default_factory=dict)
    currency: str | None = None
    fills: int = 0


def verify_session(
    *,
    fills: Iterable[Fill],
    reported_profit: Decimal,
    session_start_ms: int,
    session_end_ms: int,
    positions_count: int,
    prices_at_fill: FillPrices | None = None,
    mark_prices: Mapping[str, Decimal] | None = None,
    policy: VerificationPolicy = DEFAULT_VERIFICATION_POLICY,
) -> VerificationResult:
    """Verify a reported profit against the session's fills; never raises on bad data.

    Data problems (a missing price, mixed quote currencies, conflicting fills) become
    reasons so the share goes to review instead of failing the workflow.
    """
    session, consistent = _session_fills(fills, session_start_ms, session_end_ms)
    checks = {
        "duration": session_end_ms - session_start_ms >= policy.min_duration_minutes * 60_000,
        "positions_count": positions_count == len({fill.order_id for fill in session}),
        "fills_consistent": consistent,
    }
    methods: dict[str, Decimal] = {}
    verified = Decimal(0)
    currency: str | None = None
    try:
        currency = session_quote(session)
        methods = {
            "fifo": fifo(session, prices_at_fill=prices_at_fill),
            "average_cost": average_cost(session, prices_at_fill=prices_at_fill),
            "cash_flow": cash_flow(
                session, mark_prices=mark_prices or {}, prices_at_fill=prices_at_fill
            ),
        }
    except MissingPrice:
        checks["prices_available"] = False
    except MixedQuoteCurrencies:
        checks["single_quote_currency"] = False
    else:
        # No fills means no currency; the zero result then needs no particular minor unit.
        verified = to_minor(methods["fifo"], currency or "")
        with localcontext(EXACT):
            checks["methods_agree"] = _agree(list(methods.values()), policy.tolerance)
            off_by = abs(reported_profit - verified)
            checks["reported_profit"] = off_by <= policy.tolerance * abs(verified)
        checks["within_review_limit"] = verified <= policy.review_above
    reasons = tuple(_REASON_IF_FAILED[name] for name, passed in checks.items() if not passed)
    return VerificationResult(
        agreed=not reasons,
        methods=methods,
        verified_profit=verified,
        reasons=reasons,
        checks=checks,
        open_positions={s: q for s, q in net_position(session).items() if q != 0},
        currency=currency,
        fills=len(session),
    )


def decide(result: VerificationResult) -> Outcome:
    """Where the share goes next: review on any reason, else by the sign of the profit."""
    if result.reasons:
        return Outcome.UNDER_REVIEW
    if result.verified_profit <= 0:
        return Outcome.NO_SHARE
    return Outcome.OPEN


def _session_fills(fills: Iterable[Fill], start_ms: int, end_ms: int) -> tuple[list[Fill], bool]:
    by_id: dict[str, Fill] = {}
    consistent = True
    for fill in fills:
        if start_ms <= fill.timestamp_ms <= end_ms:
            kept = by_id.setdefault(fill.id, fill)
            consistent = consistent and kept == fill
    return list(by_id.values()), consistent


def _agree(figures: Sequence[Decimal], tolerance: Decimal) -> bool:
    scale = max((abs(figure) for figure in figures), default=Decimal(0))
    return all(abs(a - b) <= tolerance * scale for a, b in combinations(figures, 2))
