"""Disputes pause the ladder; waivers and write-offs close a share; one user, two shares."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from db.models import User
from domain.ladder import Level
from domain.models import DisputeOpened, DisputeResolution, Waiver
from tests.support.backend import BACKEND_SECRET as SECRET
from tests.support.driver import ShareDriver
from tests.support.scenario import eventually
from workers.worker import build_worker
from workflows.share import ShareWorkflow
from workflows.share_client import ShareClient

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)


async def _dispute(driver, handle, at):
    await driver.advance_to(at)
    await handle.signal(ShareWorkflow.dispute, DisputeOpened(reason="the fills are not mine"))
    return await driver.wait_status(handle, "disputed")


async def _resolve(driver, handle, at, outcome, profit=None):
    await driver.advance_to(at)
    await handle.signal(
        ShareWorkflow.resolve_dispute,
        DisputeResolution(outcome=outcome, verified_profit=profit, note="checked"),
    )


async def test_a_dispute_from_day_10_to_day_20_moves_suspension_to_day_24(driver):
    event, handle, view = await driver.open_share()
    day0 = view.created_at
    await _dispute(driver, handle, day0 + 10 * DAY + HOUR)

    # No new level while disputed; the level reached (warning) stays, and so do its limits.
    await driver.advance_to(day0 + 19 * DAY)
    row = await driver.share_row(event.event_id)
    assert (row.status, row.level) == ("disputed", Level.WARNING)
    assert (await driver.standing(event.user_id))["level"] == Level.WARNING

    await _resolve(driver, handle, day0 + 20 * DAY + HOUR, "upheld")
    resumed = await driver.wait_status(handle, "open")
    # The due date moved with the pause (to the second: signals carry workflow-task time).
    assert abs(resumed.due_at - (view.due_at + 10 * DAY)) < timedelta(seconds=1)

    await driver.advance_to(day0 + 24 * DAY - timedelta(minutes=2))
    assert (await driver.share_row(event.event_id)).level == Level.WARNING
    await driver.advance_to(day0 + 24 * DAY + timedelta(minutes=2))
    await driver.wait_level(event.event_id, Level.SUSPENDED)
    assert (await driver.standing(event.user_id))["can_trade"] is False
    actions = await driver.audit_actions(event.event_id)
    assert actions.count("share.disputed") == 1 and "share.dispute_upheld" in actions


async def test_adjusted_reprices_the_share_and_keeps_the_discount_window(driver):
    event, handle, view = await driver.open_share()  # 1000 profit, 150.00 share
    await _dispute(driver, handle, view.created_at + HOUR)
    await _resolve(driver, handle, view.created_at + DAY, "adjusted", Decimal("500"))
    adjusted = await driver.wait_status(handle, "open")
    assert adjusted.share_amount == Decimal("75.00") and adjusted.verified_profit == Decimal("500")
    assert adjusted.discount_until == view.discount_until

    await driver.advance_to(view.created_at + 2 * DAY)
    await driver.pay(handle, "71.25", "txn-adjusted")  # 75.00 less 5%: still inside the window
    paid = await driver.wait_status(handle, "paid")
    assert paid.amount_paid == Decimal("71.25") and paid.amount_due == Decimal("0.00")


async def test_cancelled_closes_the_share_and_lifts_its_restrictions(driver):
    event, handle, view = await driver.open_share()
    await _dispute(driver, handle, view.created_at + 15 * DAY)
    assert (await driver.standing(event.user_id))["level"] == Level.SUSPENDED
    await _resolve(driver, handle, view.created_at + 16 * DAY, "cancelled")
    closed = await handle.result()
    assert closed.status == "rejected" and closed.closed_reason == "dispute_cancelled"
    assert closed.waived_amount == Decimal("150.00")
    standing = await driver.standing(event.user_id)
    assert standing["level"] == 0 and standing["can_access"]


async def test_a_second_dispute_and_a_stray_resolution_change_nothing(driver):
    event, handle, view = await driver.open_share()
    await handle.signal(
        ShareWorkflow.resolve_dispute, DisputeResolution(outcome="cancelled", note="no dispute")
    )
    await _dispute(driver, handle, view.created_at + HOUR)
    await _resolve(driver, handle, view.created_at + 2 * HOUR, "upheld")
    await driver.wait_status(handle, "open")
    await handle.signal(ShareWorkflow.dispute, DisputeOpened(reason="again"))
    await driver.advance_to(view.created_at + 3 * HOUR)
    again = await handle.query(ShareWorkflow.status)
    assert again.status == "open" and again.dispute.outcome == "upheld"


async def test_waive_closes_the_share_and_lifts_the_level(driver):
    event, handle, view = await driver.open_share()
    await driver.advance_to(view.created_at + 15 * DAY)
    await driver.wait_level(event.event_id, Level.SUSPENDED)
    await driver.pay(handle, "40.00", "txn-part")
    await eventually(lambda: _paid(handle, Decimal("40.00")))
    await handle.signal(ShareWorkflow.waive, Waiver(note="goodwill"))
    closed = await handle.result()
    assert closed.status == "waived" and closed.waived_amount == Decimal("110.00")
    standing = await driver.standing(event.user_id)
    assert standing["level"] == 0 and standing["can_access"]
    row = await driver.share_row(event.event_id)
    assert row.closed_reason == "waive"


async def test_a_write_off_closes_the_share_but_blocks_the_user(driver):
    event, handle, view = await driver.open_share()
    await driver.advance_to(view.created_at + 61 * DAY)
    await driver.wait_level(event.event_id, Level.COLLECTIONS)
    # Handed to collections, the workflow has completed: the client closes it another way.
    assert (await handle.result()).status == "open"
    shares = ShareClient(driver.env.client, driver.task_queue)
    write_off = Waiver(kind="write_off", note="uncollectable")
    await shares.waive(event.event_id, write_off, user_id=event.user_id)
    closing = driver.env.client.get_workflow_handle(f"{handle.id}/close")
    assert await closing.result() == "applied"
    closed = await driver.share_row(event.event_id)
    assert closed.status == "waived" and closed.closed_reason == "write_off"
    async with driver.deps.sessions() as s:
        user = await s.get(User, event.user_id)
    assert user.blocked and user.enforcement_level == 0
    assert (await driver.standing(event.user_id))["can_trade"] is False


async def test_paying_the_older_share_leaves_the_level_of_the_newer(driver):
    older_event, older, older_view = await driver.open_share()
    await driver.advance_to(older_view.created_at + 8 * DAY)
    user = older_event.user_id
    newer_event, newer, newer_view = await driver.open_share(user_id=user)
    await driver.advance_to(older_view.created_at + 15 * DAY + HOUR)  # newer is at day 7+
    await driver.wait_level(older_event.event_id, Level.SUSPENDED)
    await driver.wait_level(newer_event.event_id, Level.WARNING)
    assert (await driver.standing(user))["level"] == Level.SUSPENDED

    await driver.pay(older, "150.00", "txn-older")
    await driver.wait_status(older, "paid")
    standing = await driver.standing(user)
    assert standing["level"] == Level.WARNING and standing["can_trade"] is True
    assert (await driver.share_row(newer_event.event_id)).status == "open"


async def _paid(handle, amount):
    view = await handle.query(ShareWorkflow.status)
    return view if view.amount_paid == amount else None


async def test_a_write_off_while_a_share_in_collections_settles_closes_it(
    time_skipping_env, deps, wf_settings, emulator_url, task_queue, backend
):
    """Day 60: the share is handed to collections, and its workflow waits for its standing
    delivery (the backend is down) before it completes. The API accepts a dispute and a
    write-off in that window (202): the dispute is refused as it is once the workflow
    completed, under its documented key, and the write-off closes the share as
    CollectionsClose does."""
    receiver, url = backend
    settings = wf_settings.model_copy(
        update={"backend_webhook_url": url, "backend_webhook_secret": SECRET}
    )
    async with build_worker(time_skipping_env.client, deps, settings):
        driver = ShareDriver(time_skipping_env, deps, emulator_url, task_queue)
        event, handle, view = await driver.open_share()
        await driver.advance_to(view.created_at + 59 * DAY + 23 * HOUR)
        await driver.wait_level(event.event_id, Level.LOCKED)
        receiver.fail_next = 10_000  # the backend is down from here
        await driver.advance_to(view.created_at + 60 * DAY + HOUR)
        await driver.wait_level(event.event_id, Level.COLLECTIONS)
        shares = ShareClient(time_skipping_env.client, task_queue)
        # What the dispute and waive routes do after their checks (the share is open).
        await shares.dispute(event.event_id, DisputeOpened(reason="too late to ask"))
        await shares.waive(
            event.event_id, Waiver(kind="write_off", note="uncollectable"), user_id=event.user_id
        )

        async def answered():
            return await handle.query(ShareWorkflow.answer, "waiver")

        assert await eventually(answered) == "applied"
        assert await handle.query(ShareWorkflow.answer, "dispute") == (
            "refused: the share is in collections"
        )
        row = await driver.share_row(event.event_id)
        assert (row.status, row.closed_reason) == ("waived", "write_off")
        receiver.fail_next = 0  # the backend is back: the workflow completes
        final = await handle.result()
    assert (final.status, final.closed_reason, final.amount_due) == (
        "waived",
        "write_off",
        Decimal("0.00"),
    )
    async with deps.sessions() as s:
        user = await s.get(User, event.user_id)
    assert user.blocked and user.enforcement_level == Level.NONE
