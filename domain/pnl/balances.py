"""Balances before and after: what the fills and transfers explain, and what they do not.

Between two balance snapshots of an account, each traded asset must have changed by the
fills' net effect (fees included) plus the deposits and minus the withdrawals the exchange
reports for the interval. A difference is trading the history does not show (outside the
platform, or fills missing from the history): the session goes to review
(`balance_mismatch`) with each asset's expected and actual change.

The cash-flow method reads its figure from the same snapshots, so it is independent of
the fill arithmetic the other two methods do: the session's change in the quote balance,
plus its change in each other asset valued at cost (see balance_cash_flow).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Literal

from domain.money import EXACT
from domain.pnl.fills import Fill, FillPrices, MissingPrice, session_quote
from domain.pnl.inventory import Lot, average_costs

Balances = Mapping[str, Decimal]


@dataclass(frozen=True, kw_only=True)
class Transfer:
    """A deposit or withdrawal as the exchange reports it; a withdrawal's fee is taken from
    the balance on top of the amount sent."""

    kind: Literal["deposit", "withdrawal"]
    asset: str
    amount: Decimal
    fee: Decimal = Decimal(0)
    timestamp_ms: int

    @property
    def effect(self) -> Decimal:
        with localcontext(EXACT):
            return self.amount if self.kind == "deposit" else -(self.amount + self.fee)


@dataclass(frozen=True)
class BalanceEvidence:
    """Two balance snapshots of the account and what the exchange reports between them.

    Attributes:
        other_fills: fills in the interval that are not the session's (a later session
            that already traded); they explain balance changes but are not this P&L.
        carried_assets: assets the account's lots hold: their change must be explained
            too, whether or not a fill read touched them.
    """

    before: Balances
    after: Balances
    transfers: Sequence[Transfer] = ()
    other_fills: Sequence[Fill] = ()
    carried_assets: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Mismatch:
    asset: str
    expected: Decimal  # change the fills and transfers explain
    actual: Decimal  # change the snapshots show

    def describe(self) -> str:
        return f"{self.asset}: expected {_plain(self.expected)}, actual {_plain(self.actual)}"


def _plain(amount: Decimal) -> str:
    """+51000 rather than +51000.0000000000000000: trailing zeros say nothing here."""
    return f"{amount.normalize() if amount else Decimal(0):+f}"


def fill_effects(fills: Iterable[Fill]) -> dict[str, Decimal]:
    """asset -> signed change of its balance caused by the fills (Binance spot rules)."""
    effects: dict[str, Decimal] = {}

    def add(asset: str, amount: Decimal) -> None:
        effects[asset] = effects.get(asset, Decimal(0)) + amount

    with localcontext(EXACT):
        for fill in fills:
            sign = 1 if fill.side == "buy" else -1
            add(fill.base, sign * fill.amount)
            add(fill.quote, -sign * fill.cost)
            if fill.fee_cost:
                add(fill.fee_currency, -fill.fee_cost)
    return effects


def transfer_effects(transfers: Iterable[Transfer]) -> dict[str, Decimal]:
    effects: dict[str, Decimal] = {}
    with localcontext(EXACT):
        for transfer in transfers:
            effects[transfer.asset] = effects.get(transfer.asset, Decimal(0)) + transfer.effect
    return effects


def change(before: Balances, after: Balances) -> dict[str, Decimal]:
    """asset -> after - before, over every asset in either snapshot."""
    with localcontext(EXACT):
        return {
            asset: after.get(asset, Decimal(0)) - before.get(asset, Decimal(0))
            for asset in sorted(set(before) | set(after))
        }


def reconcile(
    before: Balances,
    after: Balances,
    *,
    fills: Iterable[Fill],
    transfers: Iterable[Transfer],
    dust: Decimal = Decimal(0),
    also: Iterable[str] = (),
) -> list[Mismatch]:
    """Traded assets (and those in `also`) whose change the fills and transfers do not
    explain (beyond `dust`)."""
    fills = list(fills)
    explained = fill_effects(fills)
    with localcontext(EXACT):
        for asset, amount in transfer_effects(transfers).items():
            explained[asset] = explained.get(asset, Decimal(0)) + amount
        traded = {fill.base for fill in fills} | {fill.quote for fill in fills}
        traded |= {fill.fee_currency for fill in fills if fill.fee_cost}
        traded |= set(also)
        actual = change(before, after)
        return [
            Mismatch(asset, explained.get(asset, Decimal(0)), actual.get(asset, Decimal(0)))
            for asset in sorted(traded)
            if abs(explained.get(asset, Decimal(0)) - actual.get(asset, Decimal(0))) > dust
        ]


def session_change(
    before: Balances,
    after: Balances,
    *,
    transfers: Iterable[Transfer],
    other_fills: Iterable[Fill],
) -> dict[str, Decimal]:
    """The balance change the snapshots attribute to the session: transfers and the fills of
    other sessions in the interval taken out."""
    with localcontext(EXACT):
        delta = change(before, after)
        for effects in (transfer_effects(transfers), fill_effects(other_fills)):
            for asset, amount in effects.items():
                delta[asset] = delta.get(asset, Decimal(0)) - amount
    return delta


def balance_cash_flow(
    delta: Mapping[str, Decimal], *, quote: str, unit_costs: Mapping[str, Decimal]
) -> Decimal:
    """The session's P&L read from its balance change: the quote balance's change plus each
    other asset's change valued at cost (`unit_costs`, in the quote), so an asset bought and
    kept is worth what was paid for it and nothing is marked to market.

    Raises:
        MissingPrice: an asset changed and has no unit cost.
    """
    total = Decimal(0)
    with localcontext(EXACT):
        for asset, amount in delta.items():
            if amount == 0:
                continue
            if asset == quote:
                total += amount
            elif asset in unit_costs:
                total += amount * unit_costs[asset]
            else:
                raise MissingPrice(f"{asset}/{quote}", "valuing the balance change at cost")
    return total


def unit_costs(
    fills: Iterable[Fill],
    *,
    delta: Mapping[str, Decimal],
    carried: Mapping[str, Decimal],
    fee_prices: Mapping[str, Decimal],
) -> dict[str, Decimal]:
    """What one unit of each asset is worth at cost, for balance_cash_flow.

    Args:
        fills: the session's fills.
        delta: the session's balance change per asset.
        carried: asset -> average cost of the carried lots (what a net sale gave up).
        fee_prices: asset -> its price in the quote for fees paid in a third asset.

    An asset the session added to is valued at the session's average buy price; one it
    reduced, at the carried lots' average cost (or the session's buys when none carried).
    """
    bought: dict[str, tuple[Decimal, Decimal]] = {}
    with localcontext(EXACT):
        for fill in fills:
            if fill.side == "buy":
                quantity, cost = bought.get(fill.base, (Decimal(0), Decimal(0)))
                bought[fill.base] = (quantity + fill.amount, cost + fill.cost)
        costs = dict(fee_prices)
        for asset, (quantity, cost) in bought.items():
            costs[asset] = cost / quantity
        for asset, amount in delta.items():
            if amount < 0 and asset in carried:
                costs[asset] = carried[asset]
    return costs


def mismatches_in(session: Sequence[Fill], evidence: BalanceEvidence) -> list[Mismatch]:
    """reconcile() over the snapshots of `evidence`, the interval's other fills included."""
    return reconcile(
        evidence.before,
        evidence.after,
        fills=[*session, *evidence.other_fills],
        transfers=evidence.transfers,
        also=evidence.carried_assets,
    )


def evidence_cash_flow(
    session: Sequence[Fill],
    evidence: BalanceEvidence,
    carried: Sequence[Lot],
    prices_at_fill: FillPrices | None,
) -> Decimal:
    """The cash-flow method's figure: the session's balance change valued at cost."""
    quote = session_quote(session)
    if quote is None:
        return Decimal(0)
    delta = session_change(
        evidence.before,
        evidence.after,
        transfers=evidence.transfers,
        other_fills=evidence.other_fills,
    )
    # Only what the session traded: a change elsewhere is the reconciliation's business.
    traded = {f.base for f in session} | {quote} | {f.fee_currency for f in session if f.fee_cost}
    delta = {asset: amount for asset, amount in delta.items() if asset in traded}
    carried_costs = {
        symbol.partition("/")[0]: cost
        for symbol, cost in average_costs(carried).items()
        if symbol.endswith("/" + quote)
    }
    fee_prices = {
        pair.partition("/")[0]: price
        for prices in (prices_at_fill or {}).values()
        for pair, price in prices.items()
    }
    costs = unit_costs(session, delta=delta, carried=carried_costs, fee_prices=fee_prices)
    return balance_cash_flow(delta, quote=quote, unit_costs=costs)
