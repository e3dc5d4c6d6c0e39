"""What every report shares: the three forms it is served in, the HTML frame, tables, CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape

from domain.reports import Window

_STYLE = """
body { font-family: sans-serif; margin: 2rem; color: #222; max-width: 60rem; }
h1 { font-size: 1.4rem; margin-bottom: 0.2rem; }
.meta { color: #666; margin-top: 0; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; }
th, td { border-bottom: 1px solid #ddd; padding: 0.3rem 0.8rem; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.empty { color: #666; font-style: italic; }
"""


@dataclass(frozen=True)
class Rendered:
    """One report in the three forms it is served in."""

    document: dict[str, object]
    csv: str
    html: str


def page(title: str, meta: str, sections: Iterable[str]) -> str:
    return "\n".join(
        [
            "<!doctype html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>",
            f"<h1>{escape(title)}</h1>",
            f'<p class="meta">{escape(meta)}</p>',
            *sections,
            "</body></html>",
        ]
    )


def section(heading: str, body: str) -> str:
    return f"<h2>{escape(heading)}</h2>\n{body}"


def table(headers: Sequence[str], rows: Iterable[Sequence[object]], *, numeric: set[int]) -> str:
    """A table; columns whose index is in `numeric` are right-aligned."""
    rows = list(rows)
    if not rows:
        return '<p class="empty">none</p>'
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = []
    for row in rows:
        cells = "".join(
            f'<td class="num">{escape(str(v))}</td>'
            if i in numeric
            else f"<td>{escape(str(v))}</td>"
            for i, v in enumerate(row)
        )
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def csv_text(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue()


def stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def heading(
    window: Window, title: str, generated_at: datetime, **times: datetime
) -> dict[str, object]:
    """What every report's JSON document opens with: which report, which period, the times
    it covers (as_of, or since and until), when it was made."""
    stamped = {name: stamp(moment) for name, moment in times.items()}
    opening: dict[str, object] = {"kind": window.kind, "period": window.period, "title": title}
    return opening | stamped | {"generated_at": stamp(generated_at)}


SECTIONED = ("section", "name", "value")


def sectioned(
    document: dict[str, object], rows: list[tuple[str, str, object]], html: str
) -> Rendered:
    """A report whose CSV is one (section, name, value) row per figure."""
    return Rendered(document=document, csv=csv_text(SECTIONED, rows), html=html)
