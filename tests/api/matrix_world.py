"""What the role matrix's requests need to exist, built through the real API and workflows:
a user with an exchange account, a stored event, shares in the states each admin action
expects, a pending payment proof and a payment on record."""

from __future__ import annotations

import asyncio
import io
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
from PIL import Image
from temporalio.client import Client

from activities.contracts import GenerateReportInput
from activities.reports import ReportActivities
from services.risk.service import device_key
from tests.support import webhook_samples as samples
from tests.support.api import ADMIN, BACKEND, OPS, STANDARD_SECRET
from tests.support.records import share_with_credit
from tests.support.scenario import (
    eventually,
    profit_event,
    profitable_session,
    register_account,
    store_event,
)
from workflows.ids import share_workflow_id
from workflows.share import ShareWorkflow


@dataclass
class World:
    user_id: str
    account_id: str
    stored_event: str  # a profit event with no workflow yet
    under_review: str
    disputed: str
    to_waive: str
    to_dispute: str
    to_prove: str  # an open share with a proof pending already
    amount_due: str  # of `to_prove`, what a proof must say
    pending_proof: str
    payment: tuple[str, str]  # (provider, transaction id) of a payment on record
    report_period: str  # of a stored overdue report
    risk_decision: str  # the id of a stored risk decision
    flaggable_proof: str  # another pending proof, for ops to flag
    shared_device: tuple[str, str]  # (stored device hash, a user seen on it)
    erasable: str  # a user the matrix may erase
    terms: dict  # a terms version on record (effective far ahead: it gates nobody)
    screenshot_proof: str  # a proof sent with a screenshot
    with_credit: str = ""  # a paid share holding credit (a payment after it was paid)

    def new_event(self) -> dict:
        return _event(self.user_id, self.account_id).model_dump(mode="json")

    @staticmethod
    def proof(amount: str) -> dict:
        paid_at = datetime.now(UTC) - timedelta(minutes=5)
        return {"transaction_id": str(10**11 + uuid.uuid4().int % (9 * 10**11)), "amount": amount,
                "currency": "USDT", "paid_at": paid_at.isoformat()}  # fmt: skip

    @staticmethod
    def signed_payment() -> tuple[bytes, dict[str, str], str]:
        """A Standard Webhooks payment no share matches: kept on record for ops."""
        txn = f"txn_{uuid.uuid4().hex[:10]}"
        body = samples.standard_payment("PS_NO_SUCH_SHARE", txn, "10.00", currency="USDT")
        headers = samples.signed_headers_standard(body, STANDARD_SECRET, datetime.now(UTC))
        return body, headers, txn


def _event(user_id: str, account_id: str):
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    return profit_event(user_id, account_id, start=start, reported=Decimal("10"))


async def _status(api: httpx.AsyncClient, event_id: str, status: str) -> dict:
    async def reached():
        share = (await api.get(f"/v1/shares/{event_id}", headers=OPS)).json()
        return share if share.get("status") == status else None

    return await eventually(reached)


async def _ok(response: httpx.Response) -> dict:
    assert 200 <= response.status_code < 300, response.text
    return response.json()


async def build_world(
    api: httpx.AsyncClient, client: Client, task_queue: str, deps, emulator_url: str
) -> World:
    user = f"u_{uuid.uuid4().hex[:10]}"
    account = await register_account(deps, user, f"key-{uuid.uuid4().hex}", uuid.uuid4().hex)
    stored = _event(user, account)
    await store_event(deps, stored)
    # The exchange does not know this account: verification fails and an admin must decide.
    held = _event(user, account)
    await _ok(await api.post("/v1/profit-events", json=held.model_dump(mode="json"),
                             headers=BACKEND))  # fmt: skip

    async def open_share() -> str:
        event = await profitable_session(deps, emulator_url, user_id=user)
        await client.start_workflow(
            ShareWorkflow.run, event, id=share_workflow_id(event.event_id), task_queue=task_queue
        )
        await _status(api, event.event_id, "open")
        return event.event_id

    disputed, to_waive, to_dispute, to_prove = await asyncio.gather(
        *(open_share() for _ in range(4))
    )
    await _ok(await api.post(f"/v1/shares/{disputed}/dispute", json={"reason": "not mine"},
                             headers=BACKEND))  # fmt: skip
    due = (await _status(api, to_prove, "open"))["amount_due"]
    proof = await _ok(await api.post(f"/v1/shares/{to_prove}/payment-proofs",
                                     json=World.proof(due), headers=BACKEND))  # fmt: skip
    body, headers, txn = World.signed_payment()
    await _ok(await api.post("/v1/webhooks/standard", content=body, headers=headers))
    await _status(api, held.event_id, "under_review")
    report = await ReportActivities(deps.sessions, deps.cipher, deps.policy).generate_report(
        GenerateReportInput(kind="overdue", as_of=datetime.now(UTC))
    )
    decision = await _ok(await api.post("/v1/risk/assess", headers=BACKEND,
                                        json={"user_id": user, "action": "signup"}))  # fmt: skip
    flaggable = await _ok(await api.post(
        f"/v1/shares/{to_prove}/payment-proofs", data=World.proof(due), headers=BACKEND,
        files={"screenshot": ("paid.png", _png(), "image/png")}))  # fmt: skip
    fingerprint, erasable = f"fp_{uuid.uuid4().hex[:10]}", f"u_{uuid.uuid4().hex[:10]}"
    for someone in (user, erasable):
        await _ok(await api.post("/v1/risk/assess", headers=BACKEND, json={
            "user_id": someone, "action": "login", "device_fingerprint": fingerprint}))  # fmt: skip
    terms = {"version": f"matrix-{uuid.uuid4().hex[:8]}", "url": "https://example.com/terms",
             "effective_at": "2100-01-01T00:00:00+00:00"}  # fmt: skip
    await _ok(await api.put("/v1/admin/terms", json=terms, headers=ADMIN))
    world = World(user, account, stored.event_id, held.event_id, disputed, to_waive, to_dispute,
                 to_prove, due, proof["proof_id"], ("standard", txn),
                 report.period, decision["decision_id"], flaggable["proof_id"],
                 (device_key(deps.hasher, fingerprint), user), erasable, terms,
                 flaggable["proof_id"])  # fmt: skip
    world.with_credit = await share_with_credit(deps)
    return world


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(out, "PNG")
    return out.getvalue()
