"""Safe deploys: histories recorded from real runs replay on the current workflow code, and a
change that would break open shares is caught here, before a worker meets it in production."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from temporalio.converter import DataConverter
from temporalio.worker import Replayer, Worker
from temporalio.workflow import NondeterminismError

from activities import contracts as c
from db.models import AuditEntry
from runtime.client import data_converter
from tests.histories import history_converter, history_id, load, recorded, versions
from tests.support.driver import ShareDriver
from tests.support.history import activity_types
from tests.support.scenario import eventually
from tests.workflows.ladder_variants import (
    FINAL_NOTICE,
    FinalNoticePatched,
    FinalNoticeUnpatched,
    WorkflowsBranchUnpatched,
)
from workers.worker import activities_for
from workflows.patches import LATER, patch_id
from workflows.reports import ReportWorkflow
from workflows.share import ShareWorkflow
from workflows.share_types import SHARE_WORKFLOWS
from workflows.share_v3 import ShareWorkflowV3
from workflows.share_v4 import ShareWorkflowV4

LADDER = next(p for p in recorded("share-", "v1") if p.stem == "share-ladder-to-collections")


def _replayer(*workflows, converter: DataConverter | None = None) -> Replayer:
    return Replayer(workflows=list(workflows), data_converter=converter or history_converter())


def test_the_recorded_histories_cover_the_share_paths_and_a_report():
    assert versions()[0] == "v1"
    assert {p.stem for p in recorded(version="v1")} >= {
        "share-paid-early",
        "share-ladder-to-collections",
        "share-review-approved",
        "share-loss-no-share",
        "report-overdue",
    }


@pytest.mark.parametrize("path", recorded(), ids=history_id)
async def test_every_recorded_history_replays_on_the_current_code(path: Path):
    await _replayer(*SHARE_WORKFLOWS, ReportWorkflow).replay_workflow(load(path))


async def test_changing_the_ladder_without_a_patch_breaks_open_shares():
    with pytest.raises(NondeterminismError):
        await _replayer(FinalNoticeUnpatched).replay_workflow(load(LADDER))


# v1 shares that reached their record: every one of them meets the changed commands.
RECORDED_V1 = [
    p
    for p in recorded("share-", "v1")
    if p.stem not in {"share-loss-no-share", "share-blocked-user-rejected"}
]


@pytest.mark.parametrize("path", RECORDED_V1, ids=history_id)
async def test_this_versions_changes_without_their_patches_break_v1_shares(path: Path):
    """The same changes as workflows/patches.py, deployed unpatched: the v1 shares fail."""
    with pytest.raises(NondeterminismError):
        await _replayer(WorkflowsBranchUnpatched).replay_workflow(load(path))


def test_v2_histories_cover_a_dispute_a_proof_a_waiver_a_write_off_and_a_payment_link():
    assert {p.stem for p in recorded(version="v2")} >= {
        "share-dispute-upheld",
        "share-proof-approved",
        "share-waived",
        "share-written-off",
        "share-paid-by-link",
    }


LEAN = [(path, "ShareWorkflowV3") for path in recorded("share-", "v3")] + [
    (path, "ShareWorkflowV4") for path in recorded("share-", "v4")
]


@pytest.mark.parametrize(("path", "workflow_type"), LEAN, ids=lambda p: getattr(p, "stem", p))
def test_v3_and_v4_shares_are_lean_and_carry_no_patch_marker(path: Path, workflow_type: str):
    """Shares since V3: no marker per change, the ledger writes local."""
    history = load(path)
    started = history.events[0].workflow_execution_started_event_attributes
    assert started.workflow_type.name == workflow_type
    markers = [
        e.marker_recorded_event_attributes.marker_name
        for e in history.events
        if e.HasField("marker_recorded_event_attributes")
    ]
    assert "core_patch" not in markers
    assert "core_local_activity" in markers
    scheduled = {
        e.activity_task_scheduled_event_attributes.activity_type.name
        for e in history.events
        if e.HasField("activity_task_scheduled_event_attributes")
    }
    local = {name for name, contract in vars(c.ACTIVITIES).items() if contract.local}
    assert not scheduled & {getattr(c.ACTIVITIES, name).name for name in local}


# A share of each type against the next one: v2 shares (ShareWorkflow) as V3, v3 as V4.
AS_THE_NEXT_TYPE = [(path, ShareWorkflowV3) for path in recorded("share-", "v2")] + [
    (path, ShareWorkflowV4) for path in recorded("share-", "v3")
]


@pytest.mark.parametrize(
    ("path", "next_type"), AS_THE_NEXT_TYPE, ids=lambda p: getattr(p, "stem", None)
)
async def test_a_share_does_not_replay_as_the_next_type(path: Path, next_type: type):
    """The type is the version: a share stays the type it started as, to its end."""
    history = load(path)
    started = history.events[0].workflow_execution_started_event_attributes
    started.workflow_type.name = next_type.__name__
    with pytest.raises(NondeterminismError):
        await _replayer(next_type).replay_workflow(history)


def test_v4_histories_cover_every_v3_path():
    assert {p.stem for p in recorded(version="v4")} >= {p.stem for p in recorded(version="v3")}


@pytest.mark.parametrize("path", recorded("share-", "v4"), ids=history_id)
def test_v4_shares_verify_and_quote_in_one_activity(path: Path):
    kinds = activity_types(load(path))
    assert c.VERIFY_SESSION not in kinds
    if c.RECORD_SHARE in kinds and "review" not in path.stem and "blocked" not in path.stem:
        assert c.VERIFY_AND_QUOTE in kinds and c.QUOTE_FX not in kinds


def _patch_ids(history) -> list[str]:
    return [
        json.loads(e.marker_recorded_event_attributes.details["patch-data"].payloads[0].data)["id"]
        for e in history.events
        if e.HasField("marker_recorded_event_attributes")
        and e.marker_recorded_event_attributes.marker_name == "core_patch"
    ]


@pytest.mark.parametrize("path", recorded("share-", "v5"), ids=history_id)
def test_v5_shares_are_v4_marked_only_with_the_later_patches(path: Path):
    """The changes since V4 shipped are marked (V4 shares already running keep the old
    code on replay): v5 is ShareWorkflowV4 with the LATER markers, first thing, and no other."""
    history = load(path)
    started = history.events[0].workflow_execution_started_event_attributes
    assert started.workflow_type.name == "ShareWorkflowV4"
    assert _patch_ids(history) == [patch_id(name) for name in LATER]


def test_v5_histories_cover_every_v4_path_and_the_later_changes():
    assert {p.stem for p in recorded(version="v5")} >= {p.stem for p in recorded(version="v4")} | {
        "share-paid-out-of-order",
        "share-written-off-while-settling",
    }


# Shares recorded as "ShareWorkflow" (v3 on is ShareWorkflowV3, a type of its own).
SHARE_WORKFLOW_V1_V2 = recorded("share-", "v1") + recorded("share-", "v2")


@pytest.mark.parametrize("path", SHARE_WORKFLOW_V1_V2, ids=history_id)
async def test_the_same_change_behind_workflow_patched_replays(path: Path):
    await _replayer(FinalNoticePatched).replay_workflow(load(path))


async def test_a_share_opened_after_the_patched_deploy_gets_the_new_stage(
    time_skipping_env, deps, settings, emulator_url, task_queue
):
    cfg = settings.model_copy(update={"exchange_base_url": emulator_url, "task_queue": task_queue})
    async with Worker(
        time_skipping_env.client,
        task_queue=task_queue,
        workflows=[FinalNoticePatched],
        activities=activities_for(deps, cfg),
    ):
        driver = ShareDriver(
            time_skipping_env, deps, emulator_url, task_queue, workflow=FinalNoticePatched
        )
        event, handle, view = await driver.open_share()
        await driver.advance_to(view.created_at + timedelta(days=FINAL_NOTICE.day, hours=1))
        notice = f"{event.event_id}:{FINAL_NOTICE.key}"

        async def noticed() -> bool:
            return notice in await _audit_keys(deps, event.event_id)

        assert await eventually(noticed)
        await driver.pay(handle, "150.00", "txn-after-notice")
        assert (await handle.result()).status == "paid"
    # The new run replays on the patched code, and not on the old one.
    history = await handle.fetch_history()
    converter = data_converter(settings)
    await _replayer(FinalNoticePatched, converter=converter).replay_workflow(history)
    with pytest.raises(NondeterminismError):
        await _replayer(ShareWorkflow, converter=converter).replay_workflow(history)


async def test_timers_and_activities_carry_their_summaries_for_the_ui():
    converter = history_converter()
    history = load(LADDER)
    summaries = {"timer": [], "activity": []}
    for event in history.events:
        kind = (
            "timer"
            if event.HasField("timer_started_event_attributes")
            else (
                "activity" if event.HasField("activity_task_scheduled_event_attributes") else None
            )
        )
        if kind and event.user_metadata.HasField("summary"):
            [text] = await converter.decode([event.user_metadata.summary], [str])
            summaries[kind].append(text)
    assert {"warning at day 7", "suspended at day 14", "collections at day 60"} <= set(
        summaries["timer"]
    )
    assert "record the share (day 0)" in summaries["activity"]
    assert "escalate: locked at day 30" in summaries["activity"]


async def _audit_keys(deps, subject: str) -> set[str]:
    async with deps.sessions() as s:
        rows = await s.scalars(
            select(AuditEntry.idempotency_key).where(AuditEntry.subject == subject)
        )
        return set(rows)
