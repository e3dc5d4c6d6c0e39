"""`profitshare dev` end to end: after it starts, the report schedules exist, and the daily
report it makes totals exactly what open shares past due owe, served by its own API."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from temporalio.client import Client

from db.tokens import new_token
from runtime.audit_anchor_schedule import SCHEDULE_ID as AUDIT_ANCHOR_SCHEDULE_ID
from runtime.client import data_converter
from runtime.retention_schedule import SCHEDULE_ID as RETENTION_SCHEDULE_ID
from runtime.schedules import SCHEDULES
from stack.processes import free_port, port_in_use
from tests.support.records import owed_past_due, recorded_share
from tests.support.scenario import eventually
from workflows.reconciler import SCHEDULE_ID as RECONCILER_SCHEDULE_ID

RUNNING = "profitshare is running"
OPS_TOKEN = new_token("ops")


@pytest.fixture
def dev_stack(settings, tmp_path: Path) -> Iterator[dict[str, str]]:
    """`profitshare dev` on free ports, on the test database and the tests' keys."""
    ports = {name: str(free_port()) for name in ("TEMPORAL", "UI", "API", "EMULATOR")}
    values = {
        "DATA_DIR": str(tmp_path / "stack"),
        "DATABASE_URL": settings.database_url,
        "FERNET_KEYS": settings.fernet_keys.get_secret_value(),
        "HASH_KEY": settings.hash_key.get_secret_value(),
        "CODEC_KEY": settings.codec_key.get_secret_value(),
        # Real-looking tokens: every process refuses placeholder ones (config/secret_check.py).
        "BOOTSTRAP_TOKENS": f"ops:{OPS_TOKEN}",
        "TEMPORAL_ADDRESS": f"127.0.0.1:{ports['TEMPORAL']}",
        "TEMPORAL_UI_PORT": ports["UI"],
        "API_PORT": ports["API"],
        "EMULATOR_PORT": ports["EMULATOR"],
    }
    env = {**os.environ, **{f"PROFITSHARE_{k}": v for k, v in values.items()}}
    log = tmp_path / "dev.log"
    with open(log, "wb") as out:
        stack = subprocess.Popen(
            [sys.executable, "-m", "cli.main", "dev"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield values | {"log": str(log), "pid": str(stack.pid)}
    finally:
        stack.send_signal(signal.SIGINT)  # what Ctrl-C does: the stack stops its children
        try:
            stack.wait(timeout=60)
        except subprocess.TimeoutExpired:
            stack.kill()


def _logs(dev_stack: dict[str, str]) -> str:
    """The stack's own output and each child's log: what a failed start is read from."""
    parts = [Path(dev_stack["log"]).read_text(errors="replace")]
    for child in sorted((Path(dev_stack["DATA_DIR"]) / "logs").glob("*.log")):
        tail = child.read_text(errors="replace")[-4000:]
        parts.append(f"--- {child.name} (tail) ---\n{tail}")
    return "\n".join(parts)


async def _running(dev_stack: dict[str, str]) -> None:
    """Waits for the stack to say it runs; a stack that stopped fails at once, with its logs."""
    log = Path(dev_stack["log"])

    async def started() -> bool:
        text = log.read_text(errors="replace")
        failed = any(s in text for s in ("exited with code", "could not", "did not open"))
        assert not failed, _logs(dev_stack)
        return RUNNING in text

    try:
        await eventually(started, timeout=180)
    except AssertionError as err:
        raise AssertionError(f"{err}\n{_logs(dev_stack)}") from err


async def test_after_dev_starts_the_schedules_exist_and_the_daily_report_adds_up(
    dev_stack, settings, deps
):
    await _running(dev_stack)
    client = await Client.connect(
        dev_stack["TEMPORAL_ADDRESS"], data_converter=data_converter(settings)
    )
    expected = {s.id for s in SCHEDULES} | {
        AUDIT_ANCHOR_SCHEDULE_ID,
        RETENTION_SCHEDULE_ID,
        RECONCILER_SCHEDULE_ID,
    }

    found: set[str] = set()

    async def listed() -> bool:
        # Listing reads Temporal's visibility store, which trails a schedule's creation: a
        # run saw the last one created missing just after the stack said it runs.
        found.clear()
        found.update({s.id async for s in await client.list_schedules()})
        return found == expected

    with contextlib.suppress(AssertionError):
        await eventually(listed, timeout=30)
    assert found == expected

    await recorded_share(deps, days_ago=22)
    await recorded_share(deps, days_ago=61, paid="25.00")
    # Reports stamp whole seconds.
    triggered_at = datetime.now(UTC).replace(microsecond=0)
    await client.get_schedule_handle("report-overdue-daily").trigger()

    ops = {"Authorization": f"Bearer {OPS_TOKEN}"}
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{dev_stack['API_PORT']}") as api:

        async def fresh_report() -> dict | None:
            response = await api.get("/v1/reports/overdue", headers=ops)
            if response.status_code != 200:
                return None
            body = response.json()
            return body if datetime.fromisoformat(body["generated_at"]) >= triggered_at else None

        report = await eventually(fresh_report, timeout=60)
    owed = await owed_past_due(deps, datetime.fromisoformat(report["as_of"]))
    totals = {t["currency"]: Decimal(t["amount_due"]) for t in report["totals"]}
    assert totals == owed and owed["USDT"] >= Decimal("150.00") + Decimal("125.00")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
async def test_sigterm_and_sighup_stop_every_child_as_ctrl_c_does(dev_stack, sig):
    log = Path(dev_stack["log"])
    await _running(dev_stack)
    ports = [int(dev_stack[k]) for k in ("API_PORT", "EMULATOR_PORT", "TEMPORAL_UI_PORT")]
    ports.append(int(dev_stack["TEMPORAL_ADDRESS"].rsplit(":", 1)[1]))
    assert all(port_in_use("127.0.0.1", port) for port in ports)

    os.kill(int(dev_stack["pid"]), sig)

    async def all_free() -> bool:
        return not any(port_in_use("127.0.0.1", port) for port in ports)

    assert await eventually(all_free, timeout=60), log.read_text(errors="replace")
