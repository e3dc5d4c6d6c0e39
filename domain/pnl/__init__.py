"""Session P&L from exchange fills, by three independent methods, and its verification."""

from domain.pnl.balances import BalanceEvidence, Mismatch, Transfer, reconcile
from domain.pnl.fills import (
    Fill,
    FillPrices,
    MissingPrice,
    MixedQuoteCurrencies,
    PnlError,
    Side,
    fee_in_quote,
    position_delta,
)
from domain.pnl.inventory import Lot, Realized, realize
from domain.pnl.methods import average_cost, cash_flow, fifo, net_position
from domain.pnl.positions import positions_count
from domain.pnl.verification import (
    DEFAULT_VERIFICATION_POLICY,
    Outcome,
    Reason,
    VerificationPolicy,
    VerificationResult,
    decide,
    verify_session,
)

__all__ = [
    "BalanceEvidence",
    "Lot",
    "Mismatch",
    "Realized",
    "Transfer",
    "positions_count",
    "realize",
    "reconcile",
    "DEFAULT_VERIFICATION_POLICY",
    "Fill",
    "FillPrices",
    "MissingPrice",
    "MixedQuoteCurrencies",
    "Outcome",
    "PnlError",
    "Reason",
    "Side",
    "VerificationPolicy",
    "VerificationResult",
    "average_cost",
    "cash_flow",
    "decide",
    "fee_in_quote",
    "fifo",
    "net_position",
    "position_delta",
    "verify_session",
]
