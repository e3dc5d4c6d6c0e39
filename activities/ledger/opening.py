"""From intake to day 0: the share row opened, its status moved, the share recorded."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio import activity

from activities import contracts as c
from activities.fx.quote import quote
from activities.ledger.base import LedgerBase
from activities.ledger.trust import carry_loss, move_trust
from db import standing
from db.audited import Audit
from db.models import Share, User
from db.shares import seal, set_amounts
from domain.models import ProfitEvent, RecordedShare
from domain.money import format_money, minor_unit_places, to_minor
from domain.settlement import (
    billed_for,
    chargeable_profit,
    profit_to_bill,
    share_amount,
    unrounded_charge,
)

# What a share is opened with (the rest is NULL or the server's default until recorded).
_OPENED = (
    "event_id",
    "user_id",
    "status",
    "level",
    "currency",
    "reported_profit_enc",
    "verification_hash",
)


def payment_reference(event_id: str) -> str:
    """Deterministic, so a retried activity issues the same reference."""
    return "PS" + hashlib.sha256(event_id.encode()).hexdigest()[:14].upper()


class OpeningLedger(LedgerBase):
    @activity.defn(name=c.OPEN_SHARE)
    async def open_share(self, event: ProfitEvent) -> None:
        async with self._audited(event.user_id) as a:
            await self._open(a, event)

    async def open_screening(self, event: ProfitEvent, screening: c.SetStatusInput) -> None:
        """OPEN_SHARE and the `screening` status write in one transaction (the opening steps
        of ShareWorkflowV3): the same rows, entries and keys as the two, one commit less."""
        async with self._audited(event.user_id) as a:
            await self._move(a, await self._open(a, event), screening)

    async def _open(self, a: Audit, event: ProfitEvent) -> Share:
        s = a.session
        await standing.ensure_user(s, self._hasher, event.user_id, self._policy.trust)
        opened = Share(
            event_id=event.event_id,
            user_id=event.user_id,
            status="screening",
            level=0,
            currency=event.currency,
            reported_profit_enc=self._cipher.encrypt(format_money(event.reported_profit)),
        )
        seal(opened, self._cipher, self._hasher)  # sealed from the start: `audit verify` covers it
        # The new row comes back from the insert itself (no read after it); a retry finds it
        # there already, and reads and locks it.
        share = await s.scalar(
            insert(Share)
            .values({name: getattr(opened, name) for name in _OPENED})
            .on_conflict_do_nothing(index_elements=[Share.event_id])
            .returning(Share)
        )
        if share is None:
            share = await a.share(event.event_id)
            assert share is not None  # inserted by an earlier attempt
            if share.verification_hash is None:  # opened before shares were sealed
                a.changed(share)
        await a.record_share(
            "share.received",
            event.event_id,
            "received",
            at=event.session_end,
            details={"session_id": event.session_id},
        )
        return share

    @activity.defn(name=c.SET_STATUS)
    async def set_status(self, cmd: c.SetStatusInput) -> None:
        async with self._share_change(cmd.user_id, cmd.event_id) as (a, share):
            await self._move(a, share, cmd)

    async def _move(self, a: Audit, share: Share, cmd: c.SetStatusInput) -> None:
        """The share (locked in `a`) takes `cmd.status`, recorded once."""
        s = a.session
        before, share.status = share.status, cmd.status
        if cmd.verification is not None:
            share.verification_enc = self._cipher.encrypt_json(
                cmd.verification.model_dump(mode="json")
            )
            profit = to_minor(cmd.verification.verified_profit, share.currency)
            set_amounts(share, self._cipher, verified_profit=profit)
        share.review_reasons = json.dumps(cmd.reasons) if cmd.reasons else None
        if s.is_modified(share):  # a share opened in this status: nothing to write on its row
            a.changed(share)
        # A share takes each status once: the key is the status, never the moment. A local
        # activity (ShareWorkflowV3) whose workflow task is retried runs again with a new
        # workflow.now(); a key holding it would record (and carry a loss) twice.
        key = f"{cmd.event_id}:status:{cmd.status}"
        # Before V3 the key held the moment too: a retry of such a write across the deploy
        # must find it (in the same statement as the insert: no look-up first).
        added = await a.record(
            f"share.{cmd.status}",
            at=cmd.at,
            subject=cmd.event_id,
            key=key,
            details={"reasons": cmd.reasons, "note": cmd.note},
            unless_key=f"{key}:{cmd.at.isoformat()}",
        )
        loss = (
            cmd.decided_profit
            if cmd.decided_profit is not None
            else cmd.verification.verified_profit
            if cmd.verification
            else Decimal(0)
        )
        if added and cmd.status == "no_share" and self._high_water_mark and loss < 0:
            currency = share.currency
            await carry_loss(s, self._cipher, cmd.user_id, currency, lambda c: c - loss)
        if cmd.confirmed_fraud:
            await move_trust(
                a,
                cmd.user_id,
                self._policy.trust.confirmed_fraud,
                at=cmd.at,
                reason="confirmed fraud",
                key=cmd.event_id,
            )
        # A user's standing counts restricting shares only (open, disputed): a move between
        # two other statuses (screening -> verifying -> no_share) cannot change it, and
        # recomputing it would lock and reseal the user's row for nothing (issue 20).
        if cmd.confirmed_fraud or {before, cmd.status} & set(standing.RESTRICTING_STATUSES):
            a.restanding(cmd.user_id)

    @activity.defn(name=c.QUOTE_FX)
    async def quote_fx(self, cmd: c.FxQuoteInput) -> c.FxQuote:
        """The rate the share will be billed at; no database, no lock held while it is asked."""
        return await quote(self._fx, cmd.currency, self._billing_currency)

    @activity.defn(name=c.RECORD_SHARE)
    async def record_share(self, cmd: c.RecordShareInput) -> RecordedShare:
        event = cmd.event
        async with self._share_change(event.user_id, event.event_id) as (a, share):
            s = a.session
            if share.recorded_at is None:
                user = await s.get(User, event.user_id)
                policy = self._policy.share
                rate = policy.rate_for(user.trust_score if user else self._policy.trust.start)
                charge, absorbed = await self._chargeable(s, event, cmd.verified_profit)
                v = cmd.verification
                exact = profit_to_bill(
                    cmd.verified_profit, v.verified_profit, v.verified_profit_exact, event.currency
                )
                charge = unrounded_charge(charge, absorbed, exact)
                if cmd.fx is not None:  # quoted by QUOTE_FX, outside this transaction
                    billing, fx = cmd.fx.billing_currency, cmd.fx.rate
                else:  # a share started before QUOTE_FX existed
                    billing = self._billing_currency or event.currency
                    fx = await self._fx.rate(event.currency, billing)
                places = minor_unit_places(
                    billing,
                    exchange_places=cmd.verification.currency_places
                    if billing == event.currency
                    else None,
                    overrides=policy.billing_places,
                )
                # One rounding: unrounded profit x rate x FX, once, in the billing currency.
                billed = billed_for(charge, rate, fx, billing, places)
                amount = share_amount(charge, rate, event.currency)
                # A profit that only earns back carried losses bills nothing.
                share.status = "open" if billed > 0 else "no_share"
                share.share_rate, share.fx_rate = format_money(rate), format_money(fx)
                share.billing_currency = billing
                share.billing_places = places
                share.discount_rate = format_money(policy.early_discount)
                share.recorded_at = cmd.at
                share.discount_until = cmd.at + policy.early_window
                share.due_at = cmd.at + policy.due_after
                share.payment_reference = payment_reference(event.event_id)
                share.verification_enc = self._cipher.encrypt_json(
                    cmd.verification.model_dump(mode="json")
                )
                set_amounts(
                    share,
                    self._cipher,
                    verified_profit=to_minor(cmd.verified_profit, event.currency),
                    share_amount=amount,
                    billed_amount=billed,
                    amount_paid=billed * 0,
                    amount_due=billed,
                    loss_absorbed=absorbed,
                )
                a.changed(share)
                await a.record_share(
                    "share.recorded",
                    event.event_id,
                    "recorded",
                    at=cmd.at,
                    details={"rate": format_money(rate), "billing_currency": billing},
                )
                a.restanding(event.user_id)
            return self._recorded(share)

    async def _chargeable(
        self, s: AsyncSession, event: ProfitEvent, profit: Decimal
    ) -> tuple[Decimal, Decimal | None]:
        """The profit charged, and the carried loss it earned back (high-water mark only)."""
        if not self._high_water_mark:
            return max(profit, Decimal(0)), None
        charge = chargeable_profit(profit, Decimal(0), high_water_mark=True)

        def earn_back(carried: Decimal) -> Decimal:
            nonlocal charge
            charge = chargeable_profit(profit, carried, high_water_mark=True)
            return charge.carried_loss_after

        before = await carry_loss(s, self._cipher, event.user_id, event.currency, earn_back)
        if before is None:
            return charge.profit, None
        return charge.profit, max(profit, Decimal(0)) - charge.profit

    @activity.defn(name=c.SET_PAYMENT_LINK)
    async def set_payment_link(self, cmd: c.PaymentLinkInput) -> None:
        async with self._sessions.begin() as s:
            share = await s.scalar(
                select(Share).where(Share.event_id == cmd.event_id).with_for_update()
            )
            if share is None:
                raise LookupError(f"share {cmd.event_id} not opened")
            share.payment_link_url = cmd.url
