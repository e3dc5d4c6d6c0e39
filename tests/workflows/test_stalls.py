"""No share stalls unseen: an FX source that is down marks the share stalled (a search-attribute
value ops can query), alerts ops, and the share recovers on an admin's retry; the rate is
quoted by its own activity, before RECORD_SHARE, so it lands in the history (issue 15, 6-7)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select
from temporalio import activity
from temporalio.worker import Worker

from activities import contracts as c
from activities.fx.fixed import FixedFxRates
from db.alerts import OPS_ALERTS
from db.models import AuditEntry
from tests.support.driver import ShareDriver
from tests.support.history import activity_types, raw_history
from tests.support.scenario import eventually, profitable_session
from tests.workflows.stall_probe import LocalLedgerStallProbe
from workers.worker import activities_for
from workflows import search_attributes as sa
from workflows.share_client import ShareClient
from workflows.share_types import SHARE_WORKFLOWS
from workflows.standing import StandingDeliveryWorkflow


class FxOutage(FixedFxRates):
    """The dev table, behind a source that can be down."""

    def __init__(self) -> None:
        super().__init__()
        self.down = True
        self.calls = 0

    async def rate(self, base: str, quote: str) -> Decimal:
        self.calls += 1
        if self.down:
            raise ConnectionError("the FX source does not answer")
        return await super().rate(base, quote)


async def _alert_keys(deps) -> set[str]:
    async with deps.sessions() as s:
        rows = await s.scalars(
            select(AuditEntry.idempotency_key).where(AuditEntry.subject == OPS_ALERTS)
        )
        return set(rows)


async def test_an_fx_outage_is_shown_stalled_and_alerted_then_recovers(
    time_skipping_env, deps, wf_settings, emulator_url, task_queue
):
    fx = FxOutage()
    env = time_skipping_env
    async with Worker(
        env.client,
        task_queue=task_queue,
        workflows=[*SHARE_WORKFLOWS, StandingDeliveryWorkflow],
        activities=activities_for(deps, wf_settings, fx=fx),
    ):
        shares = ShareClient(env.client, task_queue)
        driver = ShareDriver(env, deps, emulator_url, task_queue)
        event = await profitable_session(deps, emulator_url)
        await shares.start(event)
        handle = shares.handle(event.event_id)
        await eventually(lambda: _called(fx))
        # Verification converts REVIEW_LIMIT through FX too, so the outage stops the share
        # there first: past the exchange step's schedule-to-close bound (30 minutes).
        await env.sleep(timedelta(minutes=35))

        stalled_key = f"{event.event_id}:stalled:1"
        assert await eventually(lambda: _has(deps, stalled_key))

        async def shown_stalled():
            described = await handle.describe()
            return described.typed_search_attributes.get(sa.SHARE_STATUS) == "stalled"

        assert await eventually(shown_stalled)

        fx.down = False
        await shares.retry_stalled(event.event_id)
        view = await driver.wait_status(handle, "open")
        assert view.fx_rate == Decimal(1)  # USDT billed in USDT

    # The rate came with the verification (ShareWorkflowV4: one ordinary activity reads the
    # exchange, then the FX source), before RECORD_SHARE (a local activity: a short ledger
    # write), and no QUOTE_FX of its own.
    kinds = activity_types(await raw_history(env.client, handle.id))
    assert kinds.index(c.VERIFY_AND_QUOTE) < kinds.index("record_share")
    assert c.QUOTE_FX not in kinds


async def _called(fx: FxOutage) -> bool:
    return fx.calls > 0


async def _has(deps, key: str) -> bool:
    return key in await _alert_keys(deps)


async def test_a_local_ledger_write_past_its_bound_stalls_alerts_and_retries(
    time_skipping_env, deps, wf_settings, emulator_url, task_queue
):
    """A local activity past its bound (3 s here: its attempts that fit in it) stalls the share."""
    database_back = False

    @activity.defn(name=c.ESCALATE)
    async def escalate(cmd: c.EscalateInput) -> bool:
        if not database_back:
            raise ConnectionError("the database does not answer")
        return True

    acts = [a for a in activities_for(deps, wf_settings) if a.__name__ != "escalate"]
    env = time_skipping_env
    async with Worker(
        env.client,
        task_queue=task_queue,
        workflows=[LocalLedgerStallProbe],
        activities=[*acts, escalate],
    ):
        event = await profitable_session(deps, emulator_url)
        handle = await env.client.start_workflow(
            LocalLedgerStallProbe.run, event, id=f"probe/{event.event_id}", task_queue=task_queue
        )
        assert await eventually(lambda: _has(deps, f"{event.event_id}:stalled:1"))

        async def marked_stalled() -> bool:
            # The alert (a local activity) commits before its workflow task completes, and
            # the search attribute lands with that completion: a moment after the alert.
            described = await handle.describe()
            return described.typed_search_attributes.get(sa.SHARE_STATUS) == "stalled"

        assert await eventually(marked_stalled)
        database_back = True
        await handle.signal(LocalLedgerStallProbe.retry_stalled)
        assert await handle.result() is True
    kinds = activity_types(await raw_history(env.client, handle.id))
    assert "escalate" in kinds and "alert_ops" in kinds  # both local: no activity scheduled
    history = await handle.fetch_history()
    assert not any(e.HasField("activity_task_scheduled_event_attributes") for e in history.events)
