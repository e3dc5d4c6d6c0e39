"""Disputes and closing without payment: the ladder paused and resumed, shares waived."""

from __future__ import annotations

from temporalio import activity

from activities import contracts as c
from activities.ledger.base import LedgerBase
from activities.ledger.repricing import settle_dispute, settled
from db.shares import book_of, set_amounts
from domain.models import OWED_STATUSES


class ClosingLedger(LedgerBase):
    @activity.defn(name=c.OPEN_DISPUTE)
    async def open_dispute(self, cmd: c.OpenDisputeInput) -> None:
        """The dispute row was stored by the API; here the share stops escalating."""
        async with self._share_change(cmd.user_id, cmd.event_id) as (a, share):
            added = await a.record_share(
                "share.disputed",
                cmd.event_id,
                "dispute:opened",
                at=cmd.at,
                details={"level": share.level},
            )
            if added and share.status == "open":
                share.status = "disputed"
                a.changed(share)
            a.restanding(cmd.user_id)

    @activity.defn(name=c.RESOLVE_DISPUTE)
    async def resolve_dispute(self, cmd: c.ResolveDisputeInput) -> c.DisputeSettled | None:
        """With `priced_by_ledger` the ledger prices the outcome and answers with it."""
        async with self._share_change(cmd.user_id, cmd.event_id) as (a, share):
            added = await a.record_share(
                f"share.dispute_{cmd.outcome}",
                cmd.event_id,
                "dispute:resolved",
                at=cmd.at,
                details={"outcome": cmd.outcome, "note": cmd.note, "status": cmd.status},
            )
            if cmd.priced_by_ledger:
                if added:
                    share.due_at = cmd.due_at
                    await settle_dispute(
                        a.session,
                        self._cipher,
                        share,
                        cmd,
                        high_water_mark=self._high_water_mark,
                    )
                    a.changed(share)
                    a.restanding(cmd.user_id)
                return settled(share, self._cipher)
            if not added:
                return None
            share.status = cmd.status
            share.due_at = cmd.due_at
            changed = {
                name: getattr(cmd, name)
                for name in (
                    "verified_profit",
                    "share_amount",
                    "billed_amount",
                    "amount_due",
                    "credit",
                    "waived_amount",
                )
                if getattr(cmd, name) is not None
            }
            set_amounts(share, self._cipher, **changed)
            if cmd.outcome == "cancelled":
                share.closed_reason = "dispute_cancelled"
            a.changed(share)
            a.restanding(cmd.user_id)
            return None

    @activity.defn(name=c.CLOSE_SHARE)
    async def close_share(self, cmd: c.CloseShareInput) -> None:
        async with self._share_change(cmd.user_id, cmd.event_id) as (a, share):
            if share.status not in OWED_STATUSES:
                # Judged on the locked row: a share in collections can be paid by the payment
                # reconciler between an admin's write-off being asked for and this write.
                return
            added = await a.record_share(
                f"share.{cmd.reason}",
                cmd.event_id,
                "closed",
                at=cmd.at,
                details={"reason": cmd.reason, "note": cmd.note},
            )
            if not added:
                return
            book = book_of(share, self._cipher)  # as it stood, open
            share.status = "waived"
            share.closed_reason = cmd.reason
            closed = book.waive(write_off=cmd.reason == "write_off") if book else None
            zero = cmd.waived_amount * 0
            set_amounts(
                share,
                self._cipher,
                # The book's figures: a write-off is not a waiver (CONTRACT.md's Share).
                waived_amount=closed.waived if closed else cmd.waived_amount,
                written_off_amount=closed.written_off if closed else None,
                amount_due=zero,
                discount_granted=zero,
            )
            a.changed(share)
            if cmd.block_user:
                # A written-off debt still follows the person: the account stays blocked.
                user = await a.user(cmd.user_id)
                if user is not None and not user.blocked:
                    user.blocked = True
                    await a.record(
                        "user.blocked",
                        at=cmd.at,
                        subject=f"user/{cmd.user_id}",
                        key=f"{cmd.event_id}:write_off:block",
                        details={"reason": "debt written off", "share": cmd.event_id},
                    )
            a.restanding(cmd.user_id)
