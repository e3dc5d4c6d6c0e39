"""What a share charges is read from the share (fixed at day 0), never from today's policy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from domain.models import RecordedShare
from tests.support.scenario import profit_event
from workflows.share_state import ShareState

DAY0 = datetime(2026, 11, 1, tzinfo=UTC)


def _state(**terms: object) -> ShareState:
    event = profit_event("u_1", "acc_1", start=DAY0 - timedelta(hours=1), reported=Decimal(1000))
    state = ShareState(event=event)
    state.recorded = RecordedShare(
        recorded_at=DAY0,
        share_rate=Decimal("0.15"),
        share_amount=Decimal("150.00"),
        billing_currency="USDT",
        fx_rate=Decimal(1),
        billed_amount=Decimal("150.00"),
        discount_until=DAY0 + timedelta(days=3),
        due_at=DAY0 + timedelta(days=7),
        payment_reference="PSX",
        **terms,
    )
    state.status = "open"
    return state


def test_the_discount_rate_on_the_share_counts_whatever_the_policy_says_now():
    state = _state(discount_rate=Decimal("0.10"), billing_places=2)
    assert state.bill().owed_at(DAY0 + timedelta(days=1)) == Decimal("135.00")
    view = state.view(DAY0 + timedelta(days=1))
    assert (view.billed, view.amount_due, view.discount_granted) == (
        Decimal("150.00"),
        Decimal("135.00"),
        Decimal("15.00"),
    )


def test_a_share_recorded_before_the_snapshot_keeps_the_brief_s_five_percent():
    assert _state().bill().owed_at(DAY0 + timedelta(days=1)) == Decimal("142.50")
