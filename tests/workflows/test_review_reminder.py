"""A share under review is never billed silently: ops are alerted again every 72 hours."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from db.models import AuditEntry
from tests.support.scenario import eventually, profitable_session, store_event
from workflows.share import ShareWorkflow


async def _under_review(driver, event):
    handle = await driver.env.client.start_workflow(
        ShareWorkflow.run, event, id=f"share/{event.event_id}", task_queue=driver.task_queue)
    return handle, await driver.wait_status(handle, "under_review")


async def _alerts(deps, event_id: str) -> list[str]:
    async with deps.sessions() as s:
        rows = await s.scalars(select(AuditEntry.idempotency_key).where(
            AuditEntry.subject == "ops/alerts",
            AuditEntry.idempotency_key.like(f"{event_id}:%")).order_by(AuditEntry.id))
        return list(rows)


async def test_ops_are_reminded_every_72_hours(driver, deps, emulator_url):
    event = await profitable_session(deps, emulator_url, profit=Decimal("400"),
                                     reported=Decimal("1000"))
    handle, view = await _under_review(driver, event)
    assert view.review_reasons == ["reported_profit_mismatch"]
    start = await driver.env.get_current_time()
    await driver.advance_to(start + timedelta(hours=71))
    assert await _alerts(deps, event.event_id) == []
    await driver.advance_to(start + timedelta(hours=73))
    await eventually(lambda: _alerts(deps, event.event_id))
    await driver.advance_to(start + timedelta(hours=145))

    async def two():
        alerts = await _alerts(deps, event.event_id)
        return alerts if len(alerts) == 2 else None

    assert await eventually(two) == [f"{event.event_id}:review-reminder:1",
                                     f"{event.event_id}:review-reminder:2"]
    row = await driver.share_row(event.event_id)
    assert row.status == "under_review" and row.payment_reference is None  # nothing billed


async def test_a_session_traded_with_another_key_goes_to_review(driver, deps, emulator_url):
    event = await profitable_session(deps, emulator_url)
    other_key = event.model_copy(update={"event_id": event.event_id + "_k",
                                         "api_key_fingerprint": "f" * 32})
    await store_event(deps, other_key)
    _, view = await _under_review(driver, other_key)
    assert "api_key_mismatch" in view.review_reasons
