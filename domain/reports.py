"""Ops reports as pure aggregations: what is overdue (by level and age), and the report periods.

Every figure in a report is a sum over the facts given here, nothing else: the activity reads
the facts from Postgres, these functions aggregate them, and the renderers only lay them out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Literal

ReportKind = Literal["overdue", "fraud", "trust"]
REPORT_KINDS: tuple[ReportKind, ...] = ("overdue", "fraud", "trust")


# --- periods ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Window:
    """What a report covers: a snapshot at `until` (overdue) or the span [since, until)."""

    kind: ReportKind
    period: str
    since: datetime
    until: datetime


def report_window(kind: ReportKind, as_of: datetime) -> Window:
    """The period a report made at `as_of` covers, and its label (one stored report per label).

    overdue: a snapshot, one per day ("2026-11-22"); fraud: the 7 days before `as_of`, labelled
    by the ISO week they end in ("2026-W47"); trust: the calendar month of the day before
    `as_of` up to `as_of` ("2026-11"), so the run on the 1st reviews the whole previous month.
    """
    as_of = as_of.astimezone(UTC)
    if kind == "overdue":
        return Window(kind, as_of.date().isoformat(), as_of, as_of)
    if kind == "fraud":
        year, week, _ = (as_of - timedelta(days=1)).isocalendar()
        return Window(kind, f"{year}-W{week:02d}", as_of - timedelta(days=7), as_of)
    month_start = (as_of - timedelta(days=1)).replace(
        day=1, hour=0, minute=0, second=0, microsecond=0
    )
    return Window(kind, month_start.strftime("%Y-%m"), month_start, as_of)


# --- overdue ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class OpenShareFacts:
    """An open (or disputed) share as the ledger holds it; amounts in its billing currency."""

    event_id: str
    user_id: str
    level: int
    currency: str
    amount_due: Decimal
    due_at: datetime


@dataclass(frozen=True)
class AgeBucket:
    label: str
    min_days: int
    max_days: int | None  # None: no upper bound

    def holds(self, days: int) -> bool:
        return days >= self.min_days and (self.max_days is None or days <= self.max_days)


# Whole days past the due date; the ladder's own stages fall inside them (day 14 suspends at 7
# days overdue, day 30 locks at 23, day 60 hands over at 53).
AGE_BUCKETS = (
    AgeBucket("0-7 days", 0, 7),
    AgeBucket("8-30 days", 8, 30),
    AgeBucket("31-60 days", 31, 60),
    AgeBucket("over 60 days", 61, None),
)


def age_bucket(days_overdue: int) -> AgeBucket:
    return next(bucket for bucket in AGE_BUCKETS if bucket.holds(days_overdue))


@dataclass(frozen=True)
class OverdueLine(OpenShareFacts):
    """An open share past its due date: the facts, and how late it is."""

    days_overdue: int
    age: str


@dataclass(frozen=True)
class Cell:
    """Shares and the sum they owe, in one currency, for one level and/or age bucket."""

    currency: str
    count: int
    amount: Decimal
    level: int | None = None
    age: str | None = None


@dataclass(frozen=True)
class OverdueReport:
    as_of: datetime
    lines: tuple[OverdueLine, ...]
    totals: tuple[Cell, ...]
    by_level: tuple[Cell, ...]
    by_age: tuple[Cell, ...]
    by_level_and_age: tuple[Cell, ...]


def overdue_report(shares: Iterable[OpenShareFacts], as_of: datetime) -> OverdueReport:
    """Open shares past their due date with something still owed, summed per currency."""
    lines = []
    for share in shares:
        if share.due_at >= as_of or share.amount_due <= 0:
            continue
        days = (as_of - share.due_at).days
        lines.append(OverdueLine(**vars(share), days_overdue=days, age=age_bucket(days).label))
    # Most urgent first: the highest level, then the longest overdue.
    lines.sort(key=lambda line: (-line.level, -line.days_overdue, line.event_id))
    return OverdueReport(
        as_of=as_of,
        lines=tuple(lines),
        totals=_cells(lines, by_level=False, by_age=False),
        by_level=_cells(lines, by_level=True, by_age=False),
        by_age=_cells(lines, by_level=False, by_age=True),
        by_level_and_age=_cells(lines, by_level=True, by_age=True),
    )


def _cells(lines: list[OverdueLine], *, by_level: bool, by_age: bool) -> tuple[Cell, ...]:
    counts: dict[tuple[str, int | None, str | None], int] = defaultdict(int)
    sums: dict[tuple[str, int | None, str | None], Decimal] = defaultdict(Decimal)
    for line in lines:
        key = (line.currency, line.level if by_level else None, line.age if by_age else None)
        counts[key] += 1
        sums[key] += line.amount_due
    age_order = {bucket.label: n for n, bucket in enumerate(AGE_BUCKETS)}
    keys = sorted(counts, key=lambda k: (k[0], k[1] or 0, age_order.get(k[2] or "", 0)))
    cells = []
    for key in keys:
        currency, level, age = key
        cells.append(Cell(currency, counts[key], sums[key], level=level, age=age))
    return tuple(cells)
