"""A storm of callbacks: every payment delivered several times, partial payments out of order,
all at once, mixed with strays. Each payment counts once and every share settles exactly."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from decimal import Decimal

from tests.support.api import standard_callback
from tests.support.reconcile import reconcile
from tests.support.scenario import eventually, submit_events, wait_open

SHARES, COPIES = 4, 4


async def test_duplicated_and_reordered_callbacks_apply_each_payment_once(
    api, worker, deps, emulator_url, time_skipping_env
):
    shares = await wait_open(api, await submit_events(api, deps, emulator_url, SHARES))
    deliveries, txns = [], []
    for share in shares:
        # 142.50 USDT settles early (150.00 less 5%): paid in two parts, the larger one second.
        due = Decimal(share["amount_due"])
        for part, amount in (("a", Decimal("40.00")), ("b", due - Decimal("40.00"))):
            txn = f"storm_{share['event_id'][-10:]}_{part}"
            txns.append(txn)
            deliveries += [standard_callback(share["payment_reference"], txn, amount)] * COPIES
    deliveries += [standard_callback("PSNOSUCHREFERENCE", "storm_stray", Decimal("9.99"))] * COPIES
    random.Random(7).shuffle(deliveries)

    responses = await asyncio.gather(
        *(api.post("/v1/webhooks/standard", content=body, headers=h) for body, h in deliveries)
    )

    assert {r.status_code for r in responses} == {200}, [r.text for r in responses]
    results = Counter(r.json()["result"] for r in responses)
    assert results == {
        "applied": len(txns),
        "unmatched": 1,
        "duplicate": len(deliveries) - len(txns) - 1,
    }
    event_ids = [s["event_id"] for s in shares]

    async def all_paid():
        report = await reconcile(deps, time_skipping_env.client, event_ids)
        return report if report.statuses["paid"] == SHARES else None

    report = await eventually(all_paid, timeout=30)
    assert report.problems == []
    assert report.balanced
    assert (report.paid, report.due) == (Decimal("570.00"), Decimal("0.00"))
    assert report.waived == Decimal("30.00")  # 4 early-payment discounts of 7.50
