"""Cross-check a reported session profit against the exchange's fills (DESIGN.md, session checks).

Definitions this module commits to:
- Session fills are those with session_start_ms <= timestamp_ms <= session_end_ms; a fill
  id seen twice (overlapping pages of a fetch) counts once, and two different fills under
  one id are flagged "conflicting_fills".
- positions_count is counted as CONTRACT.md defines it (domain.pnl.positions): round trips
  per symbol from the net base quantity, an unclosed one included.
- The fills' quote currency must be the event's currency ("currency_mismatch").
- The three methods keep independent inputs (VerificationResult.inputs says which):
  fifo matches the fills against the lots carried from the account's earlier sessions
  (domain.pnl.inventory); average_cost starts from the carried inventory's average cost;
  cash_flow reads the balance snapshots before and after (domain.pnl.balances), or, for an
  account with no earlier snapshot, the fills with open positions marked to market.
- A sell with no known cost basis goes to review ("unknown_cost_basis"), as does a balance
  change the fills and transfers do not explain ("balance_mismatch").
- The methods agree when every pair differs by at most tolerance x the largest absolute
  figure (all zero agrees).
- The verified profit is the FIFO figure quantized to the quote's minor unit: realized
  profit only, open positions stay carried at cost. The unrounded figure is kept beside it
  (verified_profit_exact): the share is billed from it, rounded once. The reported profit
  matches when it is within tolerance x |verified profit| of it; the exchange's figure is
  the reference, so a verified zero requires a reported zero.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from enum import StrEnum
from itertools import combinations

from domain.money import EXACT, to_minor
from domain.pnl.balances import BalanceEvidence, evidence_cash_flow, mismatches_in
from domain.pnl.conversion import in_currency
from domain.pnl.fills import Fill, FillPrices, MissingPrice, MixedQuoteCurrencies, session_quote
from domain.pnl.inventory import Lot, opening_book, realize
from domain.pnl.methods import average_cost, cash_flow, net_position
from domain.pnl.positions import positions_count as count_positions


class Reason(StrEnum):
    SESSION_TOO_SHORT = "session_too_short"
    POSITIONS_COUNT_MISMATCH = "positions_count_mismatch"
    CONFLICTING_FILLS = "conflicting_fills"
    CURRENCY_MISMATCH = "currency_mismatch"
    MISSING_PRICE = "missing_price"
    MIXED_QUOTE_CURRENCIES = "mixed_quote_currencies"
    UNKNOWN_COST_BASIS = "unknown_cost_basis"
    BALANCE_MISMATCH = "balance_mismatch"
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
    "currency": Reason.CURRENCY_MISMATCH,
    "prices_available": Reason.MISSING_PRICE,
    "single_quote_currency": Reason.MIXED_QUOTE_CURRENCIES,
    "cost_basis_known": Reason.UNKNOWN_COST_BASIS,
    "balances_reconcile": Reason.BALANCE_MISMATCH,
    "methods_agree": Reason.METHODS_DISAGREE,
    "reported_profit": Reason.REPORTED_PROFIT_MISMATCH,
    "within_review_limit": Reason.LARGE_PROFIT_REVIEW,
}


@dataclass(frozen=True)
class VerificationPolicy:
    tolerance: Decimal = Decimal("0.05")
    min_duration_minutes: int = 5
    # In the session's quote currency; the activity converts REVIEW_LIMIT through FX and
    # passes the figure to verify_session, which then wins over this default.
    review_above: Decimal = Decimal("10000")


DEFAULT_VERIFICATION_POLICY = VerificationPolicy()


@dataclass(frozen=True)
class VerificationResult:
    """Outcome of verify_session.

    Attributes:
        agreed: no reason was recorded.
        methods: unquantized figure per method ("fifo", "average_cost", "cash_flow");
            empty when they could not be computed (see reasons).
        verified_profit: FIFO figure in the quote's minor unit; zero when not computed.
        verified_profit_exact: the FIFO figure verified_profit was rounded from (what the
            share is billed from, rounded once); None when not computed.
        reasons: Reason codes of the failed checks, in check order.
        checks: check name -> passed, for the checks that could be evaluated.
        open_positions: symbols not flat at the end -> signed base quantity.
        currency: quote currency of the figures, None when the session had no fills.
        fills: number of session fills used.
        lots: the account's inventory after the session (carried lots when not computed).
        details: reason -> the figures behind it, for a reviewer.
        inputs: method -> what it was computed from.
    """

    agreed: bool
    methods: dict[str, Decimal]
    verified_profit: Decimal
    reasons: tuple[str, ...]
    checks: dict[str, bool]
    open_positions: dict[str, Decimal] = field(default_factory=dict)
    currency: str | None = None
    fills: int = 0
    lots: tuple[Lot, ...] = ()
    details: dict[str, str] = field(default_factory=dict)
    inputs: dict[str, str] = field(default_factory=dict)
    verified_profit_exact: Decimal | None = None


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
    currency: str | None = None,
    carried: Sequence[Lot] = (),
    source: str = "",
    balances: BalanceEvidence | None = None,
    lot_steps: Mapping[str, Decimal] | None = None,
    review_above: Decimal | None = None,
    quote_rates: Mapping[str, Decimal] | None = None,
) -> VerificationResult:
    """Verify a reported profit against the session's fills; never raises on bad data.

    Data problems (a missing price, mixed quote currencies, conflicting fills) become
    reasons so the share goes to review instead of failing the workflow.

    Args:
        currency: the event's currency; the fills must be quoted in it.
        carried: the account's lots before the session, oldest first.
        source: the event id, recorded on the lots the session opens.
        balances: the snapshots around the session; None: cash_flow from the fills.
        review_above: the review limit in the session's quote (REVIEW_LIMIT through FX);
            None: policy.review_above.
        quote_rates: fill id -> its quote's price in `currency` at the fill's time, for a
            session across quote currencies (domain.pnl.conversion).
    """
    session, consistent = _session_fills(fills, session_start_ms, session_end_ms)
    traded = list(session)  # as the exchange reported them, before any currency conversion
    counted = count_positions(traded, lot_steps=lot_steps)
    checks = {
        "duration": session_end_ms - session_start_ms >= policy.min_duration_minutes * 60_000,
        "positions_count": positions_count == counted,
        "fills_consistent": consistent,
    }
    details: dict[str, str] = {}
    if not checks["positions_count"]:
        details[Reason.POSITIONS_COUNT_MISMATCH] = (
            f"reported {positions_count}, the fills show {counted}"
        )
    methods: dict[str, Decimal] = {}
    inputs: dict[str, str] = {}
    verified = Decimal(0)
    exact: Decimal | None = None
    quote: str | None = None
    lots: tuple[Lot, ...] = tuple(carried)
    try:
        session, prices_at_fill = _in_event_currency(
            session, currency, quote_rates, prices_at_fill, checks, details
        )
        quote = session_quote(session)
        realized = realize(carried, session, source=source, prices_at_fill=prices_at_fill)
        lots = realized.lots
        methods = {
            "fifo": realized.pnl,
            "average_cost": average_cost(
                session, prices_at_fill=prices_at_fill, opening=opening_book(carried)
            ),
        }
        inputs = {
            "fifo": "session fills matched against the lots carried from earlier sessions",
            "average_cost": "session fills against the carried inventory's average cost",
        }
        checks["cost_basis_known"] = not realized.unknown
        if realized.unknown:
            details[Reason.UNKNOWN_COST_BASIS] = "sold without a known cost: " + ", ".join(
                f"{asset} {quantity:f}" for asset, quantity in sorted(realized.unknown.items())
            )
        if balances is None:
            methods["cash_flow"] = cash_flow(
                session, mark_prices=mark_prices or {}, prices_at_fill=prices_at_fill
            )
            inputs["cash_flow"] = "session fills, open positions marked to market (no snapshot)"
        else:
            mismatches = mismatches_in(session, balances)
            checks["balances_reconcile"] = not mismatches
            if mismatches:
                details[Reason.BALANCE_MISMATCH] = "; ".join(m.describe() for m in mismatches)
            inputs["cash_flow"] = "balance snapshots before and after, transfers taken out"
            try:
                methods["cash_flow"] = evidence_cash_flow(
                    session, balances, carried, prices_at_fill
                )
            except MissingPrice:
                if not realized.unknown:
                    raise
                # What was sold has no cost to value the balance change at: that is the
                # unknown_cost_basis already recorded, not a price to look for.
                inputs["cash_flow"] = "not computed: the assets sold have no known cost"
    except MissingPrice:
        checks["prices_available"] = False
    except MixedQuoteCurrencies:
        checks["single_quote_currency"] = False
    else:
        # No fills means no currency; the zero result then needs no particular minor unit.
        exact = methods["fifo"]
        verified = to_minor(exact, quote or "")
        limit = policy.review_above if review_above is None else review_above
        with localcontext(EXACT):
            checks["methods_agree"] = _agree(list(methods.values()), policy.tolerance)
            off_by = abs(reported_profit - verified)
            checks["reported_profit"] = off_by <= policy.tolerance * abs(verified)
        checks["within_review_limit"] = verified <= limit
        if not checks["within_review_limit"]:
            details[Reason.LARGE_PROFIT_REVIEW] = f"{verified:f} {quote} above {limit:f}"
    reasons = tuple(_REASON_IF_FAILED[name] for name, passed in checks.items() if not passed)
    return VerificationResult(
        agreed=not reasons,
        methods=methods,
        verified_profit=verified,
        reasons=reasons,
        checks=checks,
        open_positions={s: q for s, q in net_position(traded).items() if q != 0},
        currency=quote,
        fills=len(traded),
        lots=lots,
        details={str(reason): text for reason, text in details.items()},
        inputs=inputs,
        verified_profit_exact=exact,
    )


def _in_event_currency(
    session: list[Fill],
    currency: str | None,
    rates: Mapping[str, Decimal] | None,
    prices_at_fill: FillPrices | None,
    checks: dict[str, bool],
    details: dict[str, str],
) -> tuple[list[Fill], FillPrices | None]:
    """Fills quoted only in another currency than the event's: a mismatch (never billed in the
    claimed one). Several quotes, the event's among them: all converted into it."""
    quotes = {fill.quote for fill in session}
    if currency is None or not quotes or quotes == {currency}:
        return session, prices_at_fill
    if currency not in quotes:
        checks["currency"] = False
        details[Reason.CURRENCY_MISMATCH] = (
            f"fills quoted in {', '.join(sorted(quotes))}, event says {currency}"
        )
        return session, prices_at_fill
    return in_currency(session, currency, rates=rates or {}, prices_at_fill=prices_at_fill)


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
