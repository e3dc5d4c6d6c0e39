"""What Temporal and Postgres keep of a share holds no amount, personal data or API secret in
the clear; an operator with the ops role reads the same history through the codec endpoint."""

from __future__ import annotations

import base64
import json
import uuid
from decimal import Decimal

import httpx
from google.protobuf import json_format
from sqlalchemy import text
from temporalio.api.common.v1 import Payloads
from temporalio.client import Client

from api.app import create_app
from db.models import ExchangeAccount
from domain.models import ProfitEvent, ShareView
from tests.support.history import payloads_in, raw_history
from tests.support.scenario import (
    eventually,
    profit_event,
    profitable_session,
    register_account,
    store_event,
)
from workflows.share import ShareWorkflow

OPS = {"Authorization": "Bearer test-ops", "content-type": "application/json"}


def _personal_data() -> dict[str, str]:
    """An ip and a device fingerprint no other test uses, so a hit can only be this share's."""
    n = uuid.uuid4().int
    return {"ip": f"198.18.{n % 250 + 1}.{n // 250 % 250 + 1}",
            "device_fingerprint": f"fp_{uuid.uuid4().hex}"}  # fmt: skip


async def _start(client: Client, event: ProfitEvent, task_queue: str, **marks: str):
    return await client.start_workflow(
        ShareWorkflow.run, event, id=f"share/{event.event_id}", task_queue=task_queue,
        memo={"note": marks["memo"]}, static_summary=marks["summary"],
    )  # fmt: skip


async def _reaches(handle, *statuses: str) -> ShareView:
    async def reached():
        view = await handle.query(ShareWorkflow.status)
        return view if view.status in statuses else None

    return await eventually(reached)


async def _decoded_through_the_api(settings, deps, client: Client, history) -> bytes:
    """POST /codec/decode with the ops token, as the Temporal UI does for an operator."""
    app = create_app(settings, deps=deps, temporal=client)
    body = json_format.MessageToJson(Payloads(payloads=list(payloads_in(history))))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://api") as api:
        response = await api.post("/codec/decode", content=body, headers=OPS)
    assert response.status_code == 200, response.text
    return b"\n".join(base64.b64decode(p.get("data", "")) for p in response.json()["payloads"])


async def _database_text(deps) -> str:
    """Every row of every table, as Postgres would print it to whoever reads the database."""
    async with deps.sessions() as s:
        tables = await s.scalars(text(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"))
        rows = [
            row
            for table in list(tables)
            for row in await s.scalars(text(f'SELECT CAST(t AS text) FROM "{table}" AS t'))
        ]
    return "\n".join(rows)  # fmt: skip


async def _api_secret(deps, account_id: str) -> str:
    async with deps.sessions() as s:
        account = await s.get(ExchangeAccount, account_id)
    return deps.cipher.decrypt(account.api_secret_enc)


async def test_an_open_share_leaves_only_ciphertext_behind(
    time_skipping_env, deps, wf_settings, emulator_url, task_queue, worker
):
    personal = _personal_data()
    event = await profitable_session(deps, emulator_url, profit=Decimal("1234.56"), **personal)
    marks = {"memo": f"memo-{uuid.uuid4().hex}", "summary": f"summary-{uuid.uuid4().hex}"}
    handle = await _start(time_skipping_env.client, event, task_queue, **marks)
    view = await _reaches(handle, "open")
    assert (view.reported_profit, view.share_amount) == (Decimal("1234.56"), Decimal("185.18"))

    secret = await _api_secret(deps, event.account_id)
    private = {"reported profit": "1234.56", "share amount": "185.18", **personal,
               "api secret": secret}  # fmt: skip
    hidden = {**private, **marks, "an activity summary": "record the share"}
    history = await raw_history(time_skipping_env.client, handle.id)
    stored = history.SerializeToString()
    assert len(history.events) > 10
    for name, value in hidden.items():
        assert value.encode() not in stored, f"{name} in Temporal's history in the clear"
    rows = await _database_text(deps)
    assert event.event_id in rows  # the scan does see this share's rows
    for name, value in private.items():
        assert value not in rows, f"{name} in a Postgres row in the clear"

    decoded = await _decoded_through_the_api(wf_settings, deps, time_skipping_env.client, history)
    for name in ("reported profit", "share amount", "ip", "device_fingerprint"):
        assert private[name].encode() in decoded, name
    assert marks["memo"].encode() in decoded and marks["summary"].encode() in decoded
    # The secret never went into a payload at all: activities read it from Postgres.
    assert secret.encode() not in decoded


async def test_failure_messages_are_encrypted_too(
    time_skipping_env, deps, wf_settings, task_queue, worker
):
    # An account the exchange does not know: verification fails and says so.
    user = f"u_{uuid.uuid4().hex[:10]}"
    account = await register_account(deps, user, f"key-{uuid.uuid4().hex}", uuid.uuid4().hex)
    start = (await time_skipping_env.get_current_time()).replace(microsecond=0)
    event = profit_event(user, account, start=start, reported=Decimal("777.77"))
    await store_event(deps, event)
    marks = {"memo": "-", "summary": "-"}
    handle = await _start(time_skipping_env.client, event, task_queue, **marks)
    await _reaches(handle, "under_review")

    history = await raw_history(time_skipping_env.client, handle.id)
    failures = [e for e in history.events if e.HasField("activity_task_failed_event_attributes")]
    assert failures, "the verification activity failed"
    message = failures[0].activity_task_failed_event_attributes.failure.message
    assert "credentials" not in message
    assert b"exchange credentials invalid" not in history.SerializeToString()
    decoded = await _decoded_through_the_api(wf_settings, deps, time_skipping_env.client, history)
    assert b"exchange credentials invalid" in decoded
    assert json.dumps("777.77").encode() in decoded
