"""A UPI transfer paid through a gateway and claimed again by a manual proof counts once:
the gateway's own payment id differs from the UTR, so the UTR it reports (Razorpay's rrn)
is what the proof is matched against, in both orders."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from domain.webhooks import registry
from tests.support.api import ADMIN, BACKEND
from tests.support.proofs import proof_body, proofs_url, utr
from tests.support.webhook_calls import alerts, deliver, open_share, payments, share, wait_status

RAZORPAY = next(g for g in registry.gateways() if g.name == "razorpay")


async def _razorpay_upi(api, creds, reference: str, rrn: str, amount: Decimal) -> tuple[str, str]:
    txn = f"pay_{uuid.uuid4().hex[:14]}"
    event = json.loads(RAZORPAY.example(reference, txn, amount, True))
    event["payload"]["payment"]["entity"]["acquirer_data"] = {"rrn": rrn}
    body = json.dumps(event).encode()
    answer = await deliver(api, RAZORPAY, body, RAZORPAY.sign(body, creds, datetime.now(UTC)))
    return txn, answer.json()["result"]


def _proof(amount: str, txn: str) -> dict:
    paid_at = datetime.now(UTC) - timedelta(minutes=5)
    return proof_body(amount, txn=txn, paid_at=paid_at) | {"currency": "INR"}


async def test_a_proof_of_a_transfer_a_gateway_already_reported_is_refused(
    api, worker, deps, emulator_url, creds
):
    opened = await open_share(api, deps, emulator_url)
    rrn = utr()
    _, result = await _razorpay_upi(api, creds, opened["payment_reference"], rrn, Decimal("50"))
    assert result == "applied"
    due = (await share(api, opened["event_id"]))["amount_due"]
    again = await api.post(proofs_url(opened["event_id"]), json=_proof(due, rrn), headers=BACKEND)
    assert again.status_code == 409, again.text
    assert again.json()["error"]["message"] == "this transaction id was already used for a payment"


async def test_a_gateway_payment_of_a_transfer_an_approved_proof_claimed_is_refused(
    api, worker, deps, emulator_url, creds
):
    opened = await open_share(api, deps, emulator_url)
    rrn, due = utr(), opened["amount_due"]
    proof = await api.post(proofs_url(opened["event_id"]), json=_proof(due, rrn), headers=BACKEND)
    assert proof.status_code == 202, proof.text
    decision = f"/v1/admin/payment-proofs/{proof.json()['proof_id']}/decision"
    assert (await api.post(decision, json={"decision": "approve"}, headers=ADMIN)).is_success
    await wait_status(api, opened["event_id"], "paid")

    txn, result = await _razorpay_upi(api, creds, opened["payment_reference"], rrn, Decimal(due))
    assert result == "refused"
    [row] = await payments(deps, "razorpay", txn)
    assert (row.status, row.utr) == ("refused", rrn)
    assert await alerts(deps, f"refused:razorpay:{txn}") == ["ops/alerts payment.refused"]
    after = await share(api, opened["event_id"])
    assert (after["amount_paid"], after["credit"]) == (due, "0.00")
