"""The monthly trust review as JSON, CSV (section, name, value) and an HTML page."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from activities.reporting.layout import Rendered, heading, page, section, sectioned, stamp, table
from activities.reporting.svg import Bar, bar_chart
from domain.report_reviews import TrustReview
from domain.reports import Window

TITLE = "Trust review"


def render_trust(review: TrustReview, window: Window, generated_at: datetime) -> Rendered:
    document = heading(window, TITLE, generated_at, since=review.since, until=review.until)
    document |= {
        "users": review.users,
        "bands": [{"band": band, "users": n} for band, n in review.bands],
        "below_threshold": [
            {"user_id": u.user_id, "trust_score": u.trust_score, "blocked": u.blocked}
            for u in review.below_threshold
        ],
        "movers": [
            {
                "user_id": m.user_id,
                "net_change": m.net_change,
                "raised": m.raised,
                "lowered": m.lowered,
            }
            for m in review.movers
        ],
        "by_reason": [
            {"reason": r.reason, "changes": r.count, "total_delta": r.total_delta}
            for r in review.by_reason
        ],
    }
    rows: list[tuple[str, str, object]] = [("users", "total", review.users)]
    rows += [("band", band, n) for band, n in review.bands]
    rows += [("below_threshold", u.user_id, u.trust_score) for u in review.below_threshold]
    rows += [("net_change", m.user_id, m.net_change) for m in review.movers]
    rows += [("reason_total", r.reason, r.total_delta) for r in review.by_reason]
    return sectioned(document, rows, _html(review, window))


def headline(review: TrustReview) -> str:
    return (
        f"{review.users} users, {len(review.below_threshold)} below the trading threshold, "
        f"{len(review.movers)} with trust changes"
    )


def _html(review: TrustReview, window: Window) -> str:
    bands = [Bar(f"trust {band}", (Decimal(n),)) for band, n in review.bands]
    sections = [
        bar_chart(title="Users by trust band", bars=bands),
        section(
            "Below the trading threshold",
            table(
                ["user", "trust", "blocked"],
                [
                    (u.user_id, u.trust_score, "yes" if u.blocked else "")
                    for u in review.below_threshold
                ],
                numeric={1},
            ),
        ),
        section(
            "Trust changes",
            table(
                ["user", "net change", "raised", "lowered"],
                [(m.user_id, f"{m.net_change:+d}", m.raised, m.lowered) for m in review.movers],
                numeric={1, 2, 3},
            ),
        ),
        section(
            "By reason",
            table(
                ["reason", "changes", "total"],
                [(r.reason, r.count, f"{r.total_delta:+d}") for r in review.by_reason],
                numeric={1, 2},
            ),
        ),
    ]
    meta = f"{stamp(review.since)} to {stamp(review.until)} (report {window.period})"
    return page(TITLE, meta, sections)
