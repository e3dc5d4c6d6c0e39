"""A share in collections closed by an admin (CollectionsClose): written off or waived only
while it is still owed, judged on the locked row. The payment reconciler can apply the
user's payment in between: the share stays paid and the user unblocked."""

from __future__ import annotations

from datetime import UTC, datetime

from activities import contracts as c
from db.integrity import balance_finding
from db.models import User
from tests.support.payments import record_payment, usdt_payment
from tests.support.records import ledger, recorded_share, share_row


async def test_a_payment_applied_while_a_write_off_runs_leaves_the_share_paid(deps):
    """The reconciler's payment lands between CLOSE_IN_COLLECTIONS's read and its write."""
    event = await recorded_share(deps, days_ago=61)  # handed to collections, 150.00 owed
    books = ledger(deps)
    now = datetime.now(UTC)
    payment = await record_payment(
        deps,
        event.event_id,
        usdt_payment("150.00", paid_at=now),
    )
    close_share = books.close_share

    async def reconciler_first(cmd: c.CloseShareInput) -> None:
        answer = await books.credit_payment(
            c.CreditPaymentInput(
                event_id=event.event_id, user_id=event.user_id, payment=payment, at=now
            )
        )
        assert answer == "applied"
        assert (await share_row(deps, event.event_id)).status == "paid"
        await close_share(cmd)

    books.close_share = reconciler_first  # type: ignore[method-assign]
    answer = await books.close_in_collections(
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
    assert answer == "refused: the share is paid"
    assert (row.status, row.closed_reason, finding, user.blocked) == ("paid", None, None, False)
