"""A signed callback that cannot be used is never dropped: it is kept as a `refused`
payment row, answered "refused", counted and raised to ops, and the share is untouched."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from domain.webhooks import registry
from tests.support.webhook_calls import (
    alerts,
    deliver,
    open_share,
    payment_messages,
    payments,
    share,
)

STANDARD = next(g for g in registry.gateways() if g.name == "standard")
CASHFREE = next(g for g in registry.gateways() if g.name == "cashfree")


def _standard(ref: str, txn: str, amount: str, currency: str = "INR") -> bytes:
    body = json.loads(STANDARD.example(ref, txn, Decimal("1"), True))
    body["data"] |= {"amount": amount, "currency": currency}
    return json.dumps(body).encode()


@pytest.mark.parametrize(
    ("amount", "currency", "why"),
    [
        ("142.500000000", "INR", "amount 142.500000000 is out of range"),
        ("142.505", "INR", "amount 142.505 has more decimal places than INR's 2"),
        ("-5.00", "INR", "data.amount must be a non-negative decimal amount"),
        ("150.00", "USDT", "paid in USDT, the share is billed in INR"),
    ],
    ids=["9 places", "3 places", "negative", "wrong currency"],
)
async def test_an_unusable_signed_payment_is_refused_recorded_and_alerted(
    amount, currency, why, api, worker, deps, emulator_url, creds, time_skipping_env
):
    opened = await open_share(api, deps, emulator_url)
    txn = f"bad_{uuid.uuid4().hex[:10]}"
    body = _standard(opened["payment_reference"], txn, amount, currency)
    headers = STANDARD.sign(body, creds, datetime.now(UTC))
    response = await deliver(api, STANDARD, body, headers)
    assert (response.status_code, response.json()) == (200, {"result": "refused"})
    rows = await payments(deps, "standard", txn)
    assert [(r.status, r.note) for r in rows] == [("refused", why)]
    assert await alerts(deps, f"refused:standard:{txn}") == ["ops/alerts payment.refused"]
    metrics = (await api.get("/metrics")).text
    assert 'profitshare_webhook_rejections_total{provider="standard",reason="refused"}' in metrics

    again = await deliver(api, STANDARD, body, headers)
    assert again.json() == {"result": "duplicate"}
    assert await payment_messages(time_skipping_env, opened["event_id"]) == 0
    after = await share(api, opened["event_id"])
    assert (after["status"], after["amount_paid"]) == ("open", "0.00")


async def test_a_payment_below_the_minor_unit_is_refused_recorded_and_alerted(
    api, worker, deps, emulator_url, creds
):
    """Cashfree's amount is a bare number: 0.004 INR passed as positive, the workflow refused
    it as nothing once rounded, and the row stayed `received` with no alert."""
    opened = await open_share(api, deps, emulator_url)
    txn = f"cf{uuid.uuid4().hex[:10]}"
    body = CASHFREE.example(opened["payment_reference"], txn, Decimal("0.004"), True)
    response = await deliver(api, CASHFREE, body, CASHFREE.sign(body, creds, datetime.now(UTC)))
    assert response.json() == {"result": "refused"}
    rows = await payments(deps, "cashfree", txn)
    assert [(r.status, r.note) for r in rows] == [
        ("refused", "the amount is less than one minor unit of INR")
    ]
    assert await alerts(deps, f"refused:cashfree:{txn}") == ["ops/alerts payment.refused"]
    assert (await share(api, opened["event_id"]))["amount_paid"] == "0.00"
