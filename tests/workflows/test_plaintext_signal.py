"""A payment signal sent straight to Temporal in plaintext (no CODEC_KEY) changes nothing.

Whoever reaches the Temporal frontend or the UI can signal a workflow; only holders of the
codec key write payloads the worker reads. The forged signal is dropped by the worker, and
a recorded payment signalled after it is applied as the only one.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from temporalio.api.common.v1 import Payload
from temporalio.client import Client

from db.models import Payment
from runtime.codec import REFUSED, EncryptionCodec
from tests.support.scenario import eventually
from workflows.share import ShareWorkflow


async def test_a_plaintext_payment_signal_does_not_change_the_share(driver):
    event, handle, view = await driver.open_share()
    plain = Client(driver.env.client.service_client, namespace=driver.env.client.namespace)
    forged = {
        "provider": "standard",
        "transaction_id": "forged-1",
        "amount": str(view.amount_due),
        "currency": view.billing_currency,
        "paid_at": (await driver.env.get_current_time()).isoformat(),
    }
    await plain.get_workflow_handle(handle.id).signal("payment", forged)
    # Signals are handled in order: once this recorded one is applied, the forged one was seen.
    await driver.pay(handle, "10.00", "real-1")

    async def applied():
        now = await handle.query(ShareWorkflow.status)
        return now if now.payments else None

    after = await eventually(applied)
    assert [p.transaction_id for p in after.payments] == ["real-1"]
    assert (after.status, after.amount_paid) == ("open", Decimal("10.00"))
    async with driver.deps.sessions() as s:
        rows = await s.scalars(
            select(Payment.transaction_id).where(Payment.event_id == event.event_id)
        )
        assert list(rows) == ["real-1"]
    row = await driver.share_row(event.event_id)
    assert driver.deps.cipher.decrypt_decimal(row.amount_paid_enc) == Decimal("10.00")


async def test_the_worker_codec_turns_plaintext_into_a_payload_nothing_reads():
    codec = EncryptionCodec({"a": b"k" * 32}, "a", allow_plaintext=False)
    plain = Payload(metadata={"encoding": b"json/plain"}, data=b'{"amount": "1"}')
    [refused] = await codec.decode([plain])
    assert refused.metadata["encoding"] == REFUSED and refused.data == b""
    [encrypted] = await codec.encode([plain])
    assert await codec.decode([encrypted]) == [plain]
