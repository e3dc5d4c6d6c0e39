"""Adversarial review (rev-wf): an admin's write-off of a share in collections (CollectionsClose)
and the payment reconciler applying the user's payment to the same share, interleaved.

CLOSE_IN_COLLECTIONS checks the share's status in a read of its own, unlocked, then calls
CLOSE_SHARE, which locks the row but no longer checks the status. The reconciler's
CREDIT_PAYMENT committing in between (the user paid the debt in full) leaves a share that was
paid marked waived. FAILS on main (see /tmp/review/workflow.md)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

from activities import contracts as c
from db.integrity import balance_finding
from db.models import User
from domain.models import PaymentSignal
from tests.support.payments import record_payment
from tests.support.records import ledger, recorded_share, share_row


async def test_a_payment_applied_while_a_write_off_runs_leaves_the_share_paid(deps):
    event = await recorded_share(deps, days_ago=61)  # handed to collections, 150.00 owed
    books = ledger(deps)
    now = datetime.now(UTC)
    payment = await record_payment(
        deps,
        event.event_id,
        PaymentSignal(
            provider="standard",
            transaction_id=f"txn-{uuid.uuid4().hex[:10]}",
            amount=Decimal("150.00"),
            currency="USDT",
            paid_at=now,
        ),
    )
    close_share = books.close_share

    async def reconciler_first(cmd: c.CloseShareInput) -> None:
        # The reconciler's run lands between CLOSE_IN_COLLECTIONS's read and its write.
        answer = await books.credit_payment(
            c.CreditPaymentInput(
                event_id=event.event_id, user_id=event.user_id, payment=payment, at=now
            )
        )
        assert answer == "applied"
        assert (await share_row(deps, event.event_id)).status == "paid"
        await close_share(cmd)

    books.close_share = reconciler_first  # type: ignore[method-assign]
    await books.close_in_collections(
        c.CloseInCollectionsInput(
            event_id=event.event_id,
            user_id=event.user_id,
            kind="write_off",
            note="uncollectable",
            at=now,
        )
    )
    row = await share_row(deps, event.event_id)
    finding = balance_finding(row, deps.cipher)
    async with deps.sessions() as s:
        user = await s.get(User, event.user_id)
    # Paid in full: a share both paid and written off (and the user blocked) is wrong.
    assert (row.status, row.closed_reason, finding, user.blocked) == ("paid", None, None, False)
