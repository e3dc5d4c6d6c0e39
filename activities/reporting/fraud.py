"""The weekly fraud analysis as JSON, CSV (section, name, value) and an HTML page."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from activities.reporting.layout import Rendered, heading, page, section, sectioned, stamp, table
from activities.reporting.svg import Bar, bar_chart
from domain.report_reviews import FraudAnalysis
from domain.reports import Window

TITLE = "Fraud analysis"


def render_fraud(analysis: FraudAnalysis, window: Window, generated_at: datetime) -> Rendered:
    held = [
        {
            "event_id": s.event_id,
            "user_id": s.user_id,
            "status": s.status,
            "risk_decision": s.risk_decision,
            "review_reasons": list(s.review_reasons),
        }
        for s in analysis.held
    ]
    document = heading(window, TITLE, generated_at, since=analysis.since, until=analysis.until)
    document |= {
        "shares": analysis.shares,
        "by_status": dict(analysis.by_status),
        "by_risk_decision": dict(analysis.by_risk_decision),
        "by_review_reason": dict(analysis.by_review_reason),
        "held": held,
        "blocked_users": list(analysis.blocked_users),
        "alerts_by_action": dict(analysis.alerts_by_action),
    }
    rows: list[tuple[str, str, object]] = [("shares", "opened", analysis.shares)]
    for name, counts in (
        ("by_status", analysis.by_status),
        ("by_risk_decision", analysis.by_risk_decision),
        ("by_review_reason", analysis.by_review_reason),
        ("alerts_by_action", analysis.alerts_by_action),
    ):
        rows += [(name, key, count) for key, count in counts]
    rows += [
        ("held", s.event_id, "; ".join(s.review_reasons) or s.risk_decision) for s in analysis.held
    ]
    rows += [("blocked_user", user, "") for user in analysis.blocked_users]
    return sectioned(document, rows, _html(analysis, window))


def headline(analysis: FraudAnalysis) -> str:
    return (
        f"{analysis.shares} shares opened, {len(analysis.held)} held, "
        f"{len(analysis.blocked_users)} users blocked"
    )


def _html(analysis: FraudAnalysis, window: Window) -> str:
    reasons = [Bar(reason, (Decimal(n),)) for reason, n in analysis.by_review_reason]
    sections = [
        bar_chart(title="Shares held, by review reason", bars=reasons),
        section(
            "Shares opened",
            table(["status", "shares"], analysis.by_status, numeric={1})
            + table(["risk decision", "shares"], analysis.by_risk_decision, numeric={1}),
        ),
        section(
            "Held for review",
            table(
                ["event", "user", "status", "risk decision", "reasons"],
                [
                    (s.event_id, s.user_id, s.status, s.risk_decision, ", ".join(s.review_reasons))
                    for s in analysis.held
                ],
                numeric=set(),
            ),
        ),
        section(
            "Blocked users", table(["user"], [(u,) for u in analysis.blocked_users], numeric=set())
        ),
        section("Ops alerts", table(["alert", "count"], analysis.alerts_by_action, numeric={1})),
    ]
    meta = f"{stamp(analysis.since)} to {stamp(analysis.until)} (report {window.period})"
    return page(TITLE, meta, sections)
