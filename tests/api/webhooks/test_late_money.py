"""Issue 13: late money is never lost. A payment for a share that owes nothing any more
answers `credited`, shows on the Share as credit and leaves an ops alert; its redelivery is
a duplicate."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

from domain.webhooks import registry
from tests.support.webhook_calls import alerts, deliver, open_share, payments, share, wait_status

STANDARD = next(g for g in registry.gateways() if g.name == "standard")
# Standard Webhooks amounts carry exactly the currency's places (finer is refused, see
# test_refused.py); Cashfree's rupees are rounded to the paisa, and the note says so.
CASHFREE = next(g for g in registry.gateways() if g.name == "cashfree")


async def _send(api, creds, ref: str, txn: str, amount: Decimal, gateway=STANDARD):
    body = gateway.example(ref, txn, amount, True)
    headers = gateway.sign(body, creds, datetime.now(UTC))
    return body, headers, await deliver(api, gateway, body, headers)


async def test_a_payment_after_the_share_was_paid_is_kept_as_credit(
    api, worker, deps, emulator_url, creds
):
    opened = await open_share(api, deps, emulator_url)
    ref, amount = opened["payment_reference"], Decimal(opened["amount_due"])
    *_, first = await _send(api, creds, ref, f"pay_a_{uuid.uuid4().hex[:8]}", amount)
    assert first.json() == {"result": "applied"}
    await wait_status(api, opened["event_id"], "paid")

    txn = f"pay_b_{uuid.uuid4().hex[:8]}"
    body, headers, answer = await _send(api, creds, ref, txn, Decimal("100.005"), CASHFREE)
    assert (answer.status_code, answer.json()) == (200, {"result": "credited"})
    again = await deliver(api, CASHFREE, body, headers)
    assert again.json() == {"result": "duplicate"}

    after = await share(api, opened["event_id"])
    assert (after["status"], after["credit"]) == ("paid", "100.01")
    assert Decimal(after["billed"]) == (
        Decimal(after["amount_paid"]) - Decimal(after["credit"]) - Decimal(after["refunded"])
        + Decimal(after["amount_due"]) + Decimal(after["discount_granted"])
    )  # fmt: skip
    [row] = await payments(deps, CASHFREE.provider, txn)
    assert (row.status, row.note) == ("credited", "100.005 rounded to 100.01")
    assert await alerts(deps, f"credit:{CASHFREE.provider}:{txn}")
