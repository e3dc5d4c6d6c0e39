"""positions_count as CONTRACT.md defines it: round trips per symbol, from the net quantity.

A position opens when the session's net base quantity in a symbol leaves zero and closes
when it comes back to zero, within the market's lot step (a fee in the base asset can leave
dust smaller than anything the exchange lets one trade). A position still open at the end
counts. Orders and partial fills do not matter: only the running net quantity does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, localcontext

from domain.money import EXACT
from domain.pnl.fills import Fill, chronological, position_delta


def positions_count(
    fills: Iterable[Fill], *, lot_steps: Mapping[str, Decimal] | None = None
) -> int:
    """Round trips per symbol, summed; an unclosed one counts.

    Args:
        fills: the session's fills, any order (same-millisecond fills keep their order).
        lot_steps: symbol -> the market's smallest tradable quantity; a net quantity at or
            below it is flat. Absent: exactly zero is flat.
    """
    steps = lot_steps or {}
    net: dict[str, Decimal] = {}
    open_: set[str] = set()
    count = 0
    with localcontext(EXACT):
        for fill in chronological(fills):
            held = net.get(fill.symbol, Decimal(0)) + position_delta(fill)
            net[fill.symbol] = held
            flat = abs(held) <= steps.get(fill.symbol, Decimal(0))
            if fill.symbol in open_ and flat:
                open_.discard(fill.symbol)
            elif fill.symbol not in open_ and not flat:
                open_.add(fill.symbol)
                count += 1
    return count
