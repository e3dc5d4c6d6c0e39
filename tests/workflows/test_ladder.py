"""The escalation ladder at exact times, on the time-skipping server, with real activities."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from domain.ladder import Level, ladder
from tests.support.payments import record_payment, usdt_payment
from tests.support.scenario import eventually
from workflows.share import ShareWorkflow

MINUTE = timedelta(minutes=1)
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)


async def test_walks_every_level_to_day_60_and_restricts_the_user(driver):
    event, handle, view = await driver.open_share()
    day0 = view.created_at
    assert view.due_at == day0 + timedelta(days=7)
    assert view.discount_until == day0 + timedelta(days=3)
    expected_actions = ["share.received", "share.screening", "share.verifying", "share.recorded"]
    assert await driver.audit_actions(event.event_id) == expected_actions

    for stage in ladder():
        # One minute before the stage: nothing has happened yet.
        await driver.advance_to(stage.due(day0) - MINUTE)
        before = await driver.share_row(event.event_id)
        assert before.level < stage.level or stage.level == Level.REMINDER

        await driver.advance_to(stage.due(day0) + MINUTE)
        expected_actions.append(f"share.{stage.level.label}")
        actions = await driver.wait_audit(event.event_id, len(expected_actions))
        assert actions == expected_actions, stage
        row = await driver.share_row(event.event_id)
        assert row.level == stage.level

        standing = await driver.standing(event.user_id)
        assert standing["level"] == stage.level
        assert standing["can_trade"] is (stage.level < Level.SUSPENDED)
        assert standing["can_access"] is (stage.level < Level.LOCKED)
        query = await handle.query(ShareWorkflow.status)
        assert query.enforcement_level == stage.level and query.status == "open"

    # Handed to collections, the workflow has completed; the share stays payable.
    handed_over = await handle.result()
    assert handed_over.status == "open" and handed_over.enforcement_level == Level.COLLECTIONS
    # Collections still accepts the payment (through the payment reconciler): the full
    # amount, the discount long gone.
    assert (await driver.pay_late(event.event_id, "150.00", "txn-day-61"))["applied"] == 1
    final = await driver.share_row(event.event_id)
    assert final.status == "paid"
    assert driver.deps.cipher.decrypt_decimal(final.amount_due_enc) == Decimal("0.00")
    standing = await driver.standing(event.user_id)
    assert standing["level"] == 0 and standing["can_access"]
    # The level is lifted, but trust paid for the lapse: 50 - 5 - 10 - 20 + 2 (late) = 17,
    # below 30, so the user still may not trade.
    assert standing["trust"] == 17 and standing["can_trade"] is False
    assert (await driver.audit_actions(event.event_id))[-1] == "share.paid"


@pytest.mark.parametrize("day", [1, 7, 14, 30, 60])
async def test_paying_at_any_level_lifts_the_restrictions_at_once(driver, day):
    event, handle, view = await driver.open_share()
    await driver.advance_to(view.created_at + timedelta(days=day) + MINUTE)
    level = max(stage.level for stage in ladder() if stage.day <= day)
    await driver.wait_level(event.event_id, level)
    if level == Level.COLLECTIONS:  # the workflow has completed: the reconciler applies it
        await driver.pay_late(event.event_id, "150.00", f"txn-{day}")
    else:
        await driver.pay(handle, "150.00", f"txn-{day}")
        paid = await driver.wait_status(handle, "paid")
        assert paid.amount_due == Decimal("0.00")
    standing = await driver.standing(event.user_id)
    assert standing["level"] == 0 and standing["can_access"]
    row = await driver.share_row(event.event_id)
    assert row.status == "paid" and row.level == level  # the level reached stays on record


async def test_paying_within_three_days_earns_five_percent_off(driver):
    early_event, early, early_view = await driver.open_share()
    late_event, late, late_view = await driver.open_share()
    # Between stages: the test server mishandles a signal landing on a timer's exact instant.
    await driver.advance_to(early_view.created_at + timedelta(days=2, hours=1))
    await driver.pay(early, "142.50", "txn-early")
    assert (await driver.wait_status(early, "paid")).amount_paid == Decimal("142.50")

    await driver.advance_to(late_view.created_at + timedelta(days=4, hours=1))
    await driver.pay(late, "142.50", "txn-late-1")

    async def partially_paid():
        view = await late.query(ShareWorkflow.status)
        return view if view.amount_paid == Decimal("142.50") else None

    partial = await eventually(partially_paid)
    assert partial.status == "open" and partial.amount_due == Decimal("7.50")
    await driver.pay(late, "7.50", "txn-late-2")
    assert (await driver.wait_status(late, "paid")).amount_paid == Decimal("150.00")


async def test_a_replayed_payment_is_applied_once(driver):
    event, handle, view = await driver.open_share()
    await driver.pay(handle, "50.00", "txn-once")
    await driver.pay(handle, "50.00", "txn-once")
    await driver.pay(handle, "50.00", "txn-once")
    await driver.advance_to(view.created_at + timedelta(days=4, hours=1))
    await driver.pay(handle, "100.00", "txn-rest")
    paid = await driver.wait_status(handle, "paid")
    assert paid.amount_paid == Decimal("150.00")
    assert [p.transaction_id for p in paid.payments] == ["txn-once", "txn-rest"]


async def _pay_at(driver, handle, amount: str, txn: str, paid_at) -> None:
    """A gateway's webhook for a payment made at `paid_at`, whenever it arrives."""
    payment = usdt_payment(amount, txn=txn, paid_at=paid_at)
    await record_payment(driver.deps, handle.id.removeprefix("share/"), payment)
    await handle.signal(ShareWorkflow.payment, payment)


async def _settled(driver, event, handle) -> tuple:
    view = await driver.wait_status(handle, "paid", "open")
    standing = await driver.standing(event.user_id)
    undone = [a for a in await driver.audit_actions(event.event_id) if "undone" in a]
    return (view.status, view.amount_due, view.discount_granted, view.credit, standing, undone)


async def test_partial_payments_whose_webhooks_arrive_out_of_order_settle_as_in_order(driver):
    """150.00 billed (142.50 inside the 3-day window): 50.00 paid on day 2, 100.00 on day 15.
    The share was complete on day 15, late: paid, no discount, no credit, and the warning and
    suspension stand in the trust score. The day-2 webhook arriving last, on day 16, changes
    nothing: it neither earns the discount nor undoes the stages."""
    in_order = await driver.open_share()
    late_webhook = await driver.open_share()
    day0 = max(in_order[2].created_at, late_webhook[2].created_at)
    await driver.advance_to(day0 + 2 * DAY + HOUR)
    for share in (in_order, late_webhook):
        await driver.wait_level(share[0].event_id, Level.REMINDER)
    await _pay_at(driver, in_order[1], "50.00", "txn-a-day-2", in_order[2].created_at + 2 * DAY)
    await driver.advance_to(day0 + 15 * DAY + HOUR)
    for event, handle, view in (in_order, late_webhook):
        await driver.wait_level(event.event_id, Level.SUSPENDED)
        txn = f"txn-{event.event_id}-day-15"  # transaction ids are unique across shares
        await _pay_at(driver, handle, "100.00", txn, view.created_at + 15 * DAY)

    async def paid_100():
        current = await late_webhook[1].query(ShareWorkflow.status)
        return current if current.amount_paid == Decimal("100.00") else None

    await eventually(paid_100)
    await driver.advance_to(day0 + 16 * DAY + HOUR)
    event, handle, view = late_webhook
    await _pay_at(driver, handle, "50.00", "txn-b-day-2", view.created_at + 2 * DAY)

    expected = await _settled(driver, *in_order[:2])
    assert expected == (
        "paid",
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("0.00"),
        {"level": 0, "trust": 37, "can_trade": True, "can_access": True},
        [],
    )
    assert await _settled(driver, *late_webhook[:2]) == expected
