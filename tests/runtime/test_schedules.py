"""The report schedules on the Temporal dev server: applied idempotently, and the daily report
they start totals exactly what open shares past due owe."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import select
from temporalio.client import ScheduleActionStartWorkflow

from db.anchor import anchor_heads
from db.integrity import verify
from db.models import Report
from runtime.audit_anchor_schedule import SCHEDULE_ID as AUDIT_ANCHOR_SCHEDULE_ID
from runtime.audit_anchor_schedule import latest_anchor
from runtime.ip_intel_schedule import SCHEDULE_ID as IP_INTEL_SCHEDULE_ID
from runtime.schedules import SCHEDULES, apply, wanted_schedules
from tests.support.records import owed_past_due, recorded_share
from tests.support.scenario import eventually
from workers.worker import build_worker

IDS = {
    "report-overdue-daily",
    "report-fraud-weekly",
    "report-trust-monthly",
    "audit-anchor",
    "retention-daily",
    "payment-reconciler",
}


async def _all_listed(client) -> bool:
    return {s.id async for s in await client.list_schedules()} == IDS


async def test_apply_twice_then_trigger_the_daily_report(dev_server, deps, settings, task_queue):
    client = dev_server.client
    cfg = settings.model_copy(update={"task_queue": task_queue})
    assert await apply(client, cfg) == dict.fromkeys(IDS, "created")
    # Ops paused the weekly one; a second apply updates the definitions and keeps the pause.
    await client.get_schedule_handle("report-fraud-weekly").pause(note="investigating")
    assert await apply(client, cfg) == dict.fromkeys(IDS, "updated")
    assert await eventually(lambda: _all_listed(client))
    for schedule in SCHEDULES:  # the reports'
        described = await client.get_schedule_handle(schedule.id).describe()
        action = described.schedule.action
        assert isinstance(action, ScheduleActionStartWorkflow)
        assert (action.workflow, action.task_queue) == ("ReportWorkflow", task_queue)
        assert described.schedule.state.paused is (schedule.id == "report-fraud-weekly")

    suspended = (await recorded_share(deps, days_ago=15)).event_id
    locked = (await recorded_share(deps, days_ago=45, paid="20.00")).event_id
    triggered_at = datetime.now(UTC)
    async with build_worker(client, deps, cfg):
        await client.get_schedule_handle("report-overdue-daily").trigger()
        report = await eventually(lambda: _overdue_report_since(deps, triggered_at), timeout=30)

    document = json.loads(deps.cipher.decrypt(report.json_enc))
    totals = {t["currency"]: t["amount_due"] for t in document["totals"]}
    owed = await owed_past_due(deps, datetime.fromisoformat(document["as_of"]))
    assert totals == {currency: str(amount) for currency, amount in owed.items()}
    levels = {line["event_id"]: line["level"] for line in document["shares"]}
    assert (levels[suspended], levels[locked]) == (3, 4)


async def _overdue_report_since(deps, moment: datetime) -> Report | None:
    async with deps.sessions() as s:
        return await s.scalar(
            select(Report).where(Report.kind == "overdue", Report.generated_at >= moment)
        )


def test_the_ip_list_refresh_is_scheduled_only_when_a_source_is_configured(settings):
    assert IP_INTEL_SCHEDULE_ID not in wanted_schedules(settings)
    with_source = settings.model_copy(
        update={"ip_intel_sources": {"tor": "http://lists.example/tor.txt"}}
    )
    assert IP_INTEL_SCHEDULE_ID in wanted_schedules(with_source)


async def test_the_audit_anchor_keeps_every_chain_head_outside_the_database(
    dev_server, deps, settings, task_queue
):
    client = dev_server.client
    cfg = settings.model_copy(update={"task_queue": task_queue})
    await apply(client, cfg)
    await recorded_share(deps, days_ago=1)
    async with deps.sessions() as s:
        heads = {h.chain: h for h in await anchor_heads(s)}
    async with build_worker(client, deps, cfg):
        await client.get_schedule_handle(AUDIT_ANCHOR_SCHEDULE_ID).trigger()

        async def anchored():
            found = await latest_anchor(client)
            return found if found and found[1] == heads else None

        anchor, kept = await eventually(anchored, timeout=30)
    assert sum(h.length for h in kept.values()) > 0
    report = await verify(deps.sessions, deps.cipher, deps.hasher, anchors=[kept])
    # Other tests of the session write rows behind the application's back: only the chains.
    assert report.anchored
    assert [f for f in report.findings if f.kind.startswith("chain")] == []
