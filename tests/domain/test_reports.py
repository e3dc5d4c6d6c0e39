"""Report aggregations: every total is exactly the sum over the shares it covers."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from domain.policy import Policy, SharePolicy, TrustPolicy
from domain.report_reviews import (
    ScreenedShare,
    TrustChange,
    UserTrust,
    fraud_analysis,
    trust_review,
)
from domain.reports import OpenShareFacts, age_bucket, overdue_report, report_window

AS_OF = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)

shares = st.lists(
    st.builds(
        OpenShareFacts,
        event_id=st.uuids().map(lambda u: f"evt_{u.hex[:10]}"),
        user_id=st.sampled_from(["u_1", "u_2", "u_3"]),
        level=st.integers(min_value=0, max_value=5),
        currency=st.sampled_from(["USDT", "INR"]),
        amount_due=st.decimals(min_value=Decimal("0"), max_value=Decimal("100000"), places=2),
        due_at=st.integers(min_value=-100 * 24 * 60, max_value=10 * 24 * 60).map(
            lambda minutes: AS_OF + timedelta(minutes=minutes)
        ),
    ),
    max_size=40,
)


def _owed_past_due(facts: list[OpenShareFacts]) -> dict[str, Decimal]:
    expected: dict[str, Decimal] = defaultdict(Decimal)
    for share in facts:
        if share.due_at < AS_OF and share.amount_due > 0:
            expected[share.currency] += share.amount_due
    return dict(expected)


@given(facts=shares)
def test_totals_are_the_sum_over_open_shares_past_due(facts):
    report = overdue_report(facts, AS_OF)
    expected = _owed_past_due(facts)
    assert {cell.currency: cell.amount for cell in report.totals} == expected
    assert sum(cell.count for cell in report.totals) == len(report.lines)
    # Every breakdown adds up to the same totals, currency by currency.
    for cells in (report.by_level, report.by_age, report.by_level_and_age):
        summed: dict[str, Decimal] = defaultdict(Decimal)
        for cell in cells:
            summed[cell.currency] += cell.amount
        assert dict(summed) == expected


@given(facts=shares)
def test_each_line_sits_in_the_age_bucket_of_its_days_overdue(facts):
    report = overdue_report(facts, AS_OF)
    for line in report.lines:
        assert line.due_at < AS_OF
        assert line.days_overdue == (AS_OF - line.due_at).days
        assert age_bucket(line.days_overdue).label == line.age
    assert [(-ln.level, -ln.days_overdue) for ln in report.lines] == sorted(
        (-ln.level, -ln.days_overdue) for ln in report.lines
    )


def test_a_share_due_now_or_paid_up_is_not_overdue():
    due_now = OpenShareFacts("evt_a", "u_1", 2, "USDT", Decimal("10.00"), AS_OF)
    paid_up = OpenShareFacts("evt_b", "u_1", 3, "USDT", Decimal("0.00"), AS_OF - timedelta(days=9))
    late = OpenShareFacts("evt_c", "u_2", 3, "USDT", Decimal("150.00"), AS_OF - timedelta(days=9))
    report = overdue_report([due_now, paid_up, late], AS_OF)
    assert [line.event_id for line in report.lines] == ["evt_c"]
    assert report.by_level_and_age[0].level == 3 and report.by_level_and_age[0].age == "8-30 days"


def test_report_periods():
    daily = report_window("overdue", AS_OF)
    assert daily.period == "2026-11-22" and daily.since == daily.until == AS_OF
    # Run on Monday 23 Nov: the seven days before, the ISO week that ended on Sunday.
    weekly = report_window("fraud", datetime(2026, 11, 23, 6, tzinfo=UTC))
    assert weekly.period == "2026-W47"
    assert weekly.since == datetime(2026, 11, 16, 6, tzinfo=UTC)
    # Run on 1 December: the whole of November; mid-month: the month so far.
    monthly = report_window("trust", datetime(2026, 12, 1, 7, tzinfo=UTC))
    assert monthly.period == "2026-11" and monthly.since == datetime(2026, 11, 1, tzinfo=UTC)
    assert report_window("trust", AS_OF).period == "2026-11"


def test_trust_review_bands_the_users_and_sums_changes_in_the_month():
    users = [UserTrust("u_low", 17), UserTrust("u_mid", 55), UserTrust("u_top", 95)]
    changes = [
        TrustChange("u_low", AS_OF - timedelta(days=3), -5, "day07-warning"),
        TrustChange("u_low", AS_OF - timedelta(days=2), -10, "day14-suspended"),
        TrustChange("u_top", AS_OF - timedelta(days=1), 5, "paid on time"),
        TrustChange("u_mid", AS_OF - timedelta(days=40), -20, "day30-locked"),  # before
    ]
    review = trust_review(users, changes, AS_OF - timedelta(days=21), AS_OF, Policy())
    assert dict(review.bands) == {"0-29": 1, "30-49": 0, "50-69": 1, "70-89": 0, "90-100": 1}
    assert [u.user_id for u in review.below_threshold] == ["u_low"]
    assert [(m.user_id, m.net_change, m.lowered) for m in review.movers] == [
        ("u_low", -15, 2),
        ("u_top", 5, 0),
    ]
    assert {r.reason: r.total_delta for r in review.by_reason} == {
        "day07-warning": -5,
        "day14-suspended": -10,
        "paid on time": 5,
    }


def test_trust_review_bands_follow_the_configured_thresholds():
    """min_to_trade 40 and loyalty from 85, as configured: the bands split there."""
    policy = Policy(trust=TrustPolicy(min_to_trade=40), share=SharePolicy(loyalty_min_trust=85))
    users = [UserTrust("u_35", 35), UserTrust("u_45", 45), UserTrust("u_87", 87)]
    review = trust_review(users, [], AS_OF - timedelta(days=21), AS_OF, policy)
    assert dict(review.bands) == {
        "0-39": 1,
        "40-49": 1,
        "50-69": 0,
        "70-84": 0,
        "85-100": 1,
    }
    assert [u.user_id for u in review.below_threshold] == ["u_35"]


def test_fraud_analysis_counts_decisions_reasons_and_held_shares():
    shares = [
        ScreenedShare("evt_1", "u_1", "open", (), "allow"),
        ScreenedShare("evt_2", "u_2", "under_review", ("risk_blocked",), "block"),
        ScreenedShare("evt_3", "u_3", "rejected", ("profit mismatch", "short session"), "allow"),
    ]
    analysis = fraud_analysis(
        shares, ["u_2", "u_2"], ["ops.alert", "payment.unmatched", "ops.alert"], AS_OF, AS_OF
    )
    assert analysis.shares == 3
    assert dict(analysis.by_risk_decision) == {"allow": 2, "block": 1}
    assert dict(analysis.by_review_reason) == {
        "risk_blocked": 1,
        "profit mismatch": 1,
        "short session": 1,
    }
    assert [s.event_id for s in analysis.held] == ["evt_2", "evt_3"]
    assert analysis.blocked_users == ("u_2",)
    assert dict(analysis.alerts_by_action) == {"ops.alert": 2, "payment.unmatched": 1}
