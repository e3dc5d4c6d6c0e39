"""The report activity on the real ledger: what it stores is what the ledger says is owed."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from activities import contracts as c
from activities.reports import ReportActivities
from db.models import Report, Share, User
from domain.policy import Policy, SharePolicy, TrustPolicy
from tests.support.records import ledger, owed_past_due, recorded_share


async def _generate(deps, kind: str, policy=None) -> tuple[c.ReportSummary, Report]:
    reports = ReportActivities(deps.sessions, deps.cipher, policy or deps.policy)
    summary = await reports.generate_report(
        c.GenerateReportInput(kind=kind, as_of=datetime.now(UTC))
    )
    async with deps.sessions() as s:
        row = await s.scalar(
            select(Report).where(Report.kind == kind, Report.period == summary.period)
        )
    return summary, row


async def test_overdue_totals_are_what_open_shares_past_due_owe(deps):
    suspended = (await recorded_share(deps, days_ago=20)).event_id  # 13 days overdue, level 3
    part_paid = (
        await recorded_share(deps, days_ago=35, paid="50.00")
    ).event_id  # 28 overdue, level 4
    on_time = (await recorded_share(deps, days_ago=2)).event_id  # not due yet
    summary, row = await _generate(deps, "overdue")

    document = json.loads(deps.cipher.decrypt(row.json_enc))
    as_of = datetime.fromisoformat(document["as_of"])
    owed = await owed_past_due(deps, as_of)
    assert {t["currency"]: Decimal(t["amount_due"]) for t in document["totals"]} == owed
    lines = {line["event_id"]: line for line in document["shares"]}
    assert on_time not in lines
    line = lines[suspended]
    assert (line["level_name"], line["amount_due"], line["days_overdue"], line["age"]) == (
        "suspended",
        "150.00",
        13,
        "8-30 days",
    )
    assert (lines[part_paid]["level"], lines[part_paid]["amount_due"]) == (4, "100.00")
    assert "past due" in summary.headline

    rows = list(csv.DictReader(io.StringIO(deps.cipher.decrypt(row.csv_enc))))
    assert {r["event_id"]: r["amount_due"] for r in rows}[part_paid] == "100.00"
    html = deps.cipher.decrypt(row.html_enc)
    assert "<svg" in html and "<script" not in html and suspended in html


async def test_generating_a_period_again_replaces_its_report(deps):
    first, _ = await _generate(deps, "overdue")
    await recorded_share(deps, days_ago=9)
    second, row = await _generate(deps, "overdue")
    async with deps.sessions() as s:
        count = await s.scalar(
            select(func.count()).where(Report.kind == "overdue", Report.period == second.period)
        )
    assert first.period == second.period and count == 1
    assert row.generated_at == second.generated_at > first.generated_at


async def test_trust_review_lists_users_who_fell_below_thirty(deps):
    locked = (await recorded_share(deps, days_ago=31)).event_id
    async with deps.sessions() as s:
        share = await s.get(Share, locked)
        assert (await s.get(User, share.user_id)).trust_score == 50 - 5 - 10 - 20
    _, row = await _generate(deps, "trust")
    document = json.loads(deps.cipher.decrypt(row.json_enc))
    assert {"user_id": share.user_id, "trust_score": 15, "blocked": False} in document[
        "below_threshold"
    ]
    # The month's changes only: the warning (day 7) may fall in the month before.
    since, until = (datetime.fromisoformat(document[k]) for k in ("since", "until"))
    changes = [(7, -5), (14, -10), (30, -20)]
    in_month = [
        delta for day, delta in changes if since <= share.recorded_at + timedelta(days=day) < until
    ]
    mover = next(m for m in document["movers"] if m["user_id"] == share.user_id)
    assert (mover["net_change"], mover["lowered"]) == (sum(in_month), len(in_month))
    assert sum(band["users"] for band in document["bands"]) == document["users"]


async def test_the_trust_report_bands_are_the_configured_policy_s(deps):
    """min_to_trade 40 and loyalty from 85 as configured: the report's bands split there."""
    policy = Policy(trust=TrustPolicy(min_to_trade=40), share=SharePolicy(loyalty_min_trust=85))
    _, row = await _generate(deps, "trust", policy)
    document = json.loads(deps.cipher.decrypt(row.json_enc))
    assert [band["band"] for band in document["bands"]] == [
        "0-39",
        "40-49",
        "50-69",
        "70-84",
        "85-100",
    ]
    assert all(user["trust_score"] < 40 for user in document["below_threshold"])


async def test_fraud_analysis_shows_shares_held_for_risk(deps):
    held = (await recorded_share(deps, days_ago=0)).event_id
    async with deps.sessions() as s:
        user_id = (await s.get(Share, held)).user_id
    await ledger(deps).set_status(
        c.SetStatusInput(
            event_id=held,
            user_id=user_id,
            status="under_review",
            at=datetime.now(UTC),
            reasons=["risk_blocked"],
        )
    )
    async with deps.sessions.begin() as s:
        (await s.get(User, user_id)).blocked = True
    _, row = await _generate(deps, "fraud")
    document = json.loads(deps.cipher.decrypt(row.json_enc))
    assert {"event_id": held, "user_id": user_id, "status": "under_review"}.items() <= next(
        h for h in document["held"] if h["event_id"] == held
    ).items()
    assert document["by_risk_decision"]["block"] >= 1
    assert user_id in document["blocked_users"]
