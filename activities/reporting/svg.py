"""A small inline-SVG horizontal bar chart: stacked segments, a legend, no JavaScript.

Reports are opened from an ops inbox or an archive years later: a chart drawn as plain SVG
inside the HTML needs no script, no network and no charting library to display.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from html import escape

WIDTH = 720
LABEL_WIDTH = 150
VALUE_WIDTH = 120
BAR_AREA = WIDTH - LABEL_WIDTH - VALUE_WIDTH - 10
ROW = 30
BAR_HEIGHT = 20
TOP = 40
LEGEND = 30
# Light to dark as things get worse (age buckets are ordered that way).
PALETTE = ("#f2c14e", "#f08a4b", "#d1495b", "#7b2d43", "#3d1f2b")
SINGLE = "#3b6ea5"


@dataclass(frozen=True)
class Bar:
    label: str
    values: tuple[Decimal, ...]  # one per series, drawn left to right

    @property
    def total(self) -> Decimal:
        return sum(self.values, Decimal(0))


def bar_chart(
    *,
    title: str,
    bars: Sequence[Bar],
    series: Sequence[str] = (),
    value_text: Callable[[Decimal], str] = str,
) -> str:
    """An `<svg>` element: one row per bar, segments per series, each row's total at its end."""
    stacked = len(series) > 1
    height = TOP + ROW * max(len(bars), 1) + (LEGEND if stacked else 0) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(title)}" '
        'font-family="sans-serif" font-size="13">',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="20" font-size="15" font-weight="bold">{escape(title)}</text>',
    ]
    largest = max((bar.total for bar in bars), default=Decimal(0))
    if largest <= 0:
        parts.append(f'<text x="{LABEL_WIDTH}" y="{TOP + 15}" fill="#666">nothing to show</text>')
    else:
        for row, bar in enumerate(bars):
            parts.extend(_row(bar, TOP + row * ROW, largest, stacked, value_text))
    if stacked:
        parts.extend(_legend(series, TOP + ROW * max(len(bars), 1) + 10))
    parts.append("</svg>")
    return "\n".join(parts)


def _row(
    bar: Bar, y: int, largest: Decimal, stacked: bool, value_text: Callable[[Decimal], str]
) -> list[str]:
    middle = y + BAR_HEIGHT // 2 + 5
    parts = [f'<text x="0" y="{middle}">{escape(bar.label)}</text>']
    x = Decimal(LABEL_WIDTH)
    for n, value in enumerate(bar.values):
        if value <= 0:
            continue
        width = _px(value * BAR_AREA / largest)
        colour = PALETTE[n % len(PALETTE)] if stacked else SINGLE
        parts.append(
            f'<rect x="{_px(x)}" y="{y}" width="{width}" height="{BAR_HEIGHT}" fill="{colour}">'
            f"<title>{escape(bar.label)}: {escape(value_text(value))}</title></rect>"
        )
        x += width
    parts.append(f'<text x="{_px(x + 6)}" y="{middle}">{escape(value_text(bar.total))}</text>')
    return parts


def _legend(series: Sequence[str], y: int) -> list[str]:
    parts, x = [], LABEL_WIDTH
    for n, name in enumerate(series):
        colour = PALETTE[n % len(PALETTE)]
        parts.append(f'<rect x="{x}" y="{y}" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{x + 16}" y="{y + 11}">{escape(name)}</text>')
        x += 22 + 8 * len(name)
    return parts


def _px(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
