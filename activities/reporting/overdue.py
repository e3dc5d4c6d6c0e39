"""The daily overdue report as JSON, CSV (one row per share) and an HTML page with its chart."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from functools import partial

from activities.reporting.layout import Rendered, csv_text, heading, page, section, stamp, table
from activities.reporting.svg import Bar, bar_chart
from domain.ladder import Level
from domain.money import format_money
from domain.reports import AGE_BUCKETS, Cell, OverdueReport, Window

TITLE = "Open shares past due, by level"
CSV_HEADERS = (
    "event_id",
    "user_id",
    "level",
    "level_name",
    "currency",
    "amount_due",
    "due_at",
    "days_overdue",
    "age",
)


def render_overdue(report: OverdueReport, window: Window, generated_at: datetime) -> Rendered:
    shares = [
        {
            "event_id": line.event_id,
            "user_id": line.user_id,
            "level": line.level,
            "level_name": Level(line.level).label,
            "currency": line.currency,
            "amount_due": format_money(line.amount_due),
            "due_at": stamp(line.due_at),
            "days_overdue": line.days_overdue,
            "age": line.age,
        }
        for line in report.lines
    ]
    document = heading(window, TITLE, generated_at, as_of=report.as_of)
    document |= {
        "totals": [_cell(c) for c in report.totals],
        "by_level": [_cell(c) for c in report.by_level],
        "by_age": [_cell(c) for c in report.by_age],
        "by_level_and_age": [_cell(c) for c in report.by_level_and_age],
        "shares": shares,
    }
    rows = [[share[h] for h in CSV_HEADERS] for share in shares]
    return Rendered(document=document, csv=csv_text(CSV_HEADERS, rows), html=_html(report, window))


def headline(report: OverdueReport) -> str:
    levels = sorted({line.level for line in report.lines})
    if not levels:
        return "no share is past due"
    return f"{len(report.lines)} shares past due, levels {levels[0]}-{levels[-1]}"


def _cell(cell: Cell) -> dict[str, object]:
    out: dict[str, object] = {"currency": cell.currency}
    if cell.level is not None:
        out |= {"level": cell.level, "level_name": Level(cell.level).label}
    if cell.age is not None:
        out["age"] = cell.age
    return out | {"shares": cell.count, "amount_due": format_money(cell.amount)}


def _with_currency(amount: Decimal, currency: str) -> str:
    return f"{format_money(amount)} {currency}"


def _html(report: OverdueReport, window: Window) -> str:
    sections = []
    currencies = sorted({cell.currency for cell in report.totals})
    ages = [bucket.label for bucket in AGE_BUCKETS]
    for currency in currencies:
        cells = [c for c in report.by_level_and_age if c.currency == currency]
        bars = []
        for level in sorted({c.level for c in cells if c.level is not None}):
            owed = {c.age: c.amount for c in cells if c.level == level}
            bars.append(
                Bar(
                    label=f"{level} {Level(level).label}",
                    values=tuple(owed.get(age, Decimal(0)) for age in ages),
                )
            )
        sections.append(
            bar_chart(
                title=f"Overdue {currency} by level and days past due",
                bars=bars,
                series=ages,
                value_text=partial(_with_currency, currency=currency),
            )
        )
    if not currencies:
        sections.append('<p class="empty">No share is past due.</p>')
    sections.append(
        section(
            "Totals",
            table(
                ["currency", "shares", "amount due"],
                [(c.currency, c.count, c.amount) for c in report.totals],
                numeric={1, 2},
            ),
        )
    )
    sections.append(
        section(
            "Shares",
            table(
                ["event", "user", "level", "amount due", "due", "days overdue"],
                [
                    (
                        line.event_id,
                        line.user_id,
                        f"{line.level} {Level(line.level).label}",
                        f"{format_money(line.amount_due)} {line.currency}",
                        stamp(line.due_at),
                        line.days_overdue,
                    )
                    for line in report.lines
                ],
                numeric={3, 5},
            ),
        )
    )
    return page(TITLE, f"As of {stamp(report.as_of)} (report {window.period})", sections)
