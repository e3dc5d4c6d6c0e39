"""Records tests/histories/<version>/*.json from real runs:
`python -m tests.histories.record v2` (the folder of the version being released; it must not
exist yet: recorded histories of a released version are never rewritten).
`python -m tests.histories.record v3 --missing` records only the scenarios that folder has no
file for yet (a path added to the version being released), and never touches the others.

Each scenario runs the real workflows with real activities on the time-skipping test server,
an embedded PostgreSQL and the exchange emulator (all started here, all thrown away), so the
histories hold exactly what production would write for these paths.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
import tempfile
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy import update
from temporalio.client import WorkflowHandle

from config.settings import Settings
from db.migrate import upgrade
from db.models import User
from domain.models import (
    DisputeOpened,
    DisputeResolution,
    PaymentSignal,
    ProofDecision,
    ProofSubmitted,
    ReviewDecision,
    Waiver,
)
from emulators.razorpay import create_app as razorpay_app
from emulators.serve import running, serving
from runtime.deps import Deps
from stack.postgres import create_database, start_embedded
from tests.histories import HERE, HISTORY_CODEC_KEY, history_converter
from tests.support.backend import BACKEND_SECRET, Backend
from tests.support.driver import ShareDriver
from tests.support.payments import record_payment, usdt_payment
from tests.support.scenario import eventually, profitable_session
from tests.support.servers import time_skipping_server
from workers.worker import build_worker
from workflows.ids import share_workflow_id
from workflows.reports import ReportRequest, ReportWorkflow
from workflows.share import ShareWorkflow
from workflows.share_client import ShareClient

Scenario = Callable[[ShareDriver], Awaitable[WorkflowHandle]]


async def paid_early(driver: ShareDriver) -> WorkflowHandle:
    _, handle, view = await driver.open_share()
    await driver.advance_to(view.created_at + timedelta(days=2, hours=1))
    await driver.pay(handle, "142.50", "txn-early")
    return handle


async def ladder_to_collections(driver: ShareDriver) -> WorkflowHandle:
    """Every stage, day 1 to day 60: handed to collections, the workflow completes (since v2;
    in v1 it waited and was paid in collections)."""
    _, handle, view = await driver.open_share()
    await driver.advance_to(view.created_at + timedelta(days=61))
    await driver.wait_level(view.event_id, 5)
    return handle


async def partial_payments(driver: ShareDriver) -> WorkflowHandle:
    _, handle, view = await driver.open_share()
    await driver.advance_to(view.created_at + timedelta(days=4, hours=1))
    await driver.pay(handle, "100.00", "txn-part-1")
    await driver.advance_to(view.created_at + timedelta(days=9))
    await driver.pay(handle, "50.00", "txn-part-2")
    return handle


async def review_approved(driver: ShareDriver) -> WorkflowHandle:
    """The exchange shows less than reported: ops reminded after 72 h, then approved."""
    event = await profitable_session(
        driver.deps, driver.emulator_url, profit=Decimal("400"), reported=Decimal("1000")
    )
    handle = await _start(driver, event)
    await driver.wait_status(handle, "under_review")
    await driver.env.sleep(timedelta(days=4))
    await handle.signal(ShareWorkflow.review, ReviewDecision(decision="approve", note="ok"))
    view = await driver.wait_status(handle, "open")
    await driver.pay(handle, str(view.amount_due), "txn-approved")
    return handle


async def blocked_user_rejected(driver: ShareDriver) -> WorkflowHandle:
    user_id = f"u_{uuid.uuid4().hex[:10]}"
    event = await profitable_session(driver.deps, driver.emulator_url, user_id=user_id)
    async with driver.deps.sessions.begin() as s:
        await s.execute(update(User).where(User.id == user_id).values(blocked=True))
    handle = await _start(driver, event)
    await driver.wait_status(handle, "under_review")
    await handle.signal(ShareWorkflow.review, ReviewDecision(decision="reject", note="fraud"))
    return handle


async def loss_no_share(driver: ShareDriver) -> WorkflowHandle:
    event = await profitable_session(driver.deps, driver.emulator_url, profit=Decimal("-200"))
    return await _start(driver, event)


async def overdue_report(driver: ShareDriver) -> WorkflowHandle:
    return await driver.env.client.start_workflow(
        ReportWorkflow.run,
        ReportRequest(kind="overdue"),
        id=f"report-overdue-{uuid.uuid4().hex[:8]}",
        task_queue=driver.task_queue,
    )


async def dispute_upheld(driver: ShareDriver) -> WorkflowHandle:
    """Disputed on day 8 (after the warning), upheld on day 10, then paid."""
    _, handle, view = await driver.open_share()
    await driver.advance_to(view.created_at + timedelta(days=8))
    await handle.signal(ShareWorkflow.dispute, DisputeOpened(reason="the fills are not mine"))
    await driver.wait_status(handle, "disputed")
    await driver.advance_to(view.created_at + timedelta(days=10))
    await handle.signal(
        ShareWorkflow.resolve_dispute, DisputeResolution(outcome="upheld", note="checked")
    )
    await driver.wait_status(handle, "open")
    await driver.pay(handle, "150.00", "txn-after-dispute")
    return handle


async def proof_approved(driver: ShareDriver) -> WorkflowHandle:
    """A manual UPI proof: one rejected, the second approved settles the share."""
    _, handle, view = await driver.open_share()
    await driver.advance_to(view.created_at + timedelta(days=1, hours=1))
    for proof_id, txn, decision in (
        ("prf_rec_1", "UPI-REC-1", "reject"),
        ("prf_rec_2", "UPI-REC-2", "approve"),
    ):
        await handle.signal(
            ShareWorkflow.proof,
            ProofSubmitted(
                proof_id=proof_id,
                transaction_id=txn,
                amount=Decimal("142.50"),
                currency="USDT",
                paid_at=await driver.env.get_current_time(),
            ),
        )
        await handle.signal(
            ShareWorkflow.proof_decision,
            ProofDecision(proof_id=proof_id, decision=decision, note="checked"),
        )
    return handle


async def waived(driver: ShareDriver) -> WorkflowHandle:
    _, handle, view = await driver.open_share()
    await driver.advance_to(view.created_at + timedelta(days=15))
    await handle.signal(ShareWorkflow.waive, Waiver(note="goodwill"))
    return handle


async def written_off(driver: ShareDriver) -> WorkflowHandle:
    _, handle, view = await driver.open_share()
    await driver.advance_to(view.created_at + timedelta(days=31))
    await handle.signal(ShareWorkflow.waive, Waiver(kind="write_off", note="uncollectable"))
    return handle


async def paid_by_link(driver: ShareDriver) -> WorkflowHandle:
    """Billed in INR: the Razorpay emulator makes a payment link, the user pays through it."""
    _, handle, view = await driver.open_share()

    async def linked():
        current = await handle.query(ShareWorkflow.status)
        return current if current.payment_link else None

    view = await eventually(linked)  # billed in INR with Razorpay configured: it has a link
    # Between stages: the test server mishandles a signal landing on a timer's exact instant.
    await driver.advance_to(view.created_at + timedelta(days=1, hours=1))
    await driver.pay(handle, str(view.amount_due), "pay_link_1", currency="INR")
    return handle


async def paid_by_update(driver: ShareDriver) -> WorkflowHandle:
    """Added in v3: the webhook route sends a payment as ShareWorkflowV3's `pay` update."""
    _, handle, view = await driver.open_share()
    await driver.advance_to(view.created_at + timedelta(days=2, hours=1))
    payment = PaymentSignal(
        provider="standard",
        transaction_id="txn-update",
        amount=Decimal("142.50"),
        currency="USDT",
        paid_at=await driver.env.get_current_time(),
    )
    await record_payment(driver.deps, view.event_id, payment)
    shares = ShareClient(driver.env.client, driver.task_queue)
    sent = await shares.pay(view.event_id, payment)
    assert sent.answer == "applied"
    return handle


async def paid_out_of_order(driver: ShareDriver) -> WorkflowHandle:
    """Added in v5 (patch settle-at-last-payment): 50.00 paid on day 2 and 100.00 on day 15,
    the day-2 webhook arriving last, on day 16: paid late, no discount, no stage undone."""
    _, handle, view = await driver.open_share()
    await driver.advance_to(view.created_at + timedelta(days=15, hours=1))
    await driver.wait_level(view.event_id, 3)
    for txn, amount, paid_at in (
        ("txn-day-15", "100.00", view.created_at + timedelta(days=15)),
        ("txn-day-2", "50.00", view.created_at + timedelta(days=2)),
    ):
        payment = usdt_payment(amount, txn=txn, paid_at=paid_at)
        await record_payment(driver.deps, view.event_id, payment)
        await handle.signal(ShareWorkflow.payment, payment)
        await driver.advance_to(view.created_at + timedelta(days=16, hours=1))
    return handle


async def written_off_while_settling(driver: ShareDriver) -> WorkflowHandle:
    """Added in v5 (patch close-while-settling): handed to collections on day 60, the workflow
    waits for its standing delivery (no backend answers), and a dispute and a write-off
    arrive: the dispute is refused, the write-off closes the share through the ledger."""
    _, handle, view = await driver.open_share()
    await driver.advance_to(view.created_at + timedelta(days=59, hours=23))
    await driver.wait_level(view.event_id, 4)
    BACKEND.fail_next = 10_000  # the backend is down from here
    await driver.advance_to(view.created_at + timedelta(days=60, hours=1))
    await driver.wait_level(view.event_id, 5)
    await handle.signal(ShareWorkflow.dispute, DisputeOpened(reason="too late to ask"))
    await handle.signal(ShareWorkflow.waive, Waiver(kind="write_off", note="uncollectable"))

    async def answered():
        return await handle.query(ShareWorkflow.answer, "waiver")

    assert await eventually(answered) == "applied"
    BACKEND.fail_next = 0  # back: the workflow completes
    return handle


async def _start(driver: ShareDriver, event) -> WorkflowHandle:
    return await driver.env.client.start_workflow(
        driver.workflow.run,
        event,
        id=share_workflow_id(event.event_id),
        task_queue=driver.task_queue,
    )


SCENARIOS: dict[str, Scenario] = {
    "share-paid-early": paid_early,
    "share-ladder-to-collections": ladder_to_collections,
    "share-partial-payments": partial_payments,
    "share-review-approved": review_approved,
    "share-blocked-user-rejected": blocked_user_rejected,
    "share-loss-no-share": loss_no_share,
    "report-overdue": overdue_report,
    # Added in v2: every share here also gets a payment link (Razorpay emulator configured).
    "share-dispute-upheld": dispute_upheld,
    "share-proof-approved": proof_approved,
    "share-waived": waived,
    "share-written-off": written_off,
    "share-paid-by-link": paid_by_link,
    # Added in v3 (ShareWorkflowV3 only).
    "share-paid-by-update": paid_by_update,
    # Added in v5 (the LATER patches of workflows/patches.py).
    "share-paid-out-of-order": paid_out_of_order,
    "share-written-off-while-settling": written_off_while_settling,
}
# Razorpay takes INR, not USDT: the payment-link scenario bills in INR.
SETTINGS_FOR: dict[str, dict[str, object]] = {"share-paid-by-link": {"billing_currency": "INR"}}
# A backend the scenario can take down: its standing delivery keeps a share settling.
BACKEND = Backend()
WITH_BACKEND = {"share-written-off-while-settling"}
RAZORPAY_KEY = ("rzp_test_histories", "histories_secret")


async def record(out: Path, names: list[str]) -> None:
    scratch = Path(tempfile.mkdtemp(prefix="ps-histories-"))
    try:
        database_url = create_database(start_embedded(scratch / "pgdata"), "histories")
        upgrade(database_url)
        razorpay = razorpay_app(key_id=RAZORPAY_KEY[0], key_secret=RAZORPAY_KEY[1])
        async with (
            running() as emulator_url,
            serving(razorpay) as razorpay_url,
            serving(BACKEND.app) as backend_url,
        ):
            settings = Settings(
                razorpay_key_id=RAZORPAY_KEY[0],
                razorpay_key_secret=RAZORPAY_KEY[1],
                razorpay_api_base_url=razorpay_url,
                database_url=database_url,
                fernet_keys=Fernet.generate_key().decode(),
                hash_key=uuid.uuid4().hex,
                codec_key=HISTORY_CODEC_KEY,
                task_queue="histories",
                exchange_base_url=emulator_url,
            )
            deps = Deps.from_settings(settings, pool_size=5)
            try:
                backend = {
                    "backend_webhook_url": backend_url + "/standing",
                    "backend_webhook_secret": BACKEND_SECRET,
                }
                for name in names:
                    with_backend = settings.model_copy(
                        update=backend if name in WITH_BACKEND else {}
                    )
                    await _record_one(name, SCENARIOS[name], with_backend, deps, emulator_url, out)
            finally:
                await deps.close()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


async def _record_one(
    name: str, scenario: Scenario, settings: Settings, deps: Deps, emulator_url: str, out: Path
) -> None:
    # A server per scenario, as in the tests: a finished run never holds back the clock.
    # It comes with our search attributes registered.
    env = await time_skipping_server(history_converter())
    try:
        settings = settings.model_copy(update=SETTINGS_FOR.get(name, {}))
        async with build_worker(env.client, deps, settings):
            handle = await scenario(ShareDriver(env, deps, emulator_url, settings.task_queue))
            await handle.result()
            history = await handle.fetch_history()
    finally:
        await env.shutdown()
    (out / f"{name}.json").write_text(history.to_json() + "\n")
    print(f"{name}: {len(history.events)} events", file=sys.stderr)


if __name__ == "__main__":
    started = datetime.now(UTC)
    version, *flags = sys.argv[1:] or ["missing: python -m tests.histories.record vN"]
    folder = HERE / version
    missing = flags == ["--missing"]
    usable = flags in ([], ["--missing"]) and folder.exists() == missing
    if not version.startswith("v") or not usable:
        sys.exit(f"{version}: give a new version folder, or an existing one with --missing")
    folder.mkdir(exist_ok=missing)
    names = [name for name in SCENARIOS if not (folder / f"{name}.json").exists()]
    asyncio.run(record(folder, names))
    print(f"recorded {len(names)} histories in {datetime.now(UTC) - started}", file=sys.stderr)
