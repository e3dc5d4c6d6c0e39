"""From intake to day 0: the share row opened, its status moved, the share recorded."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities import contracts as c
from activities.fx.source import UnknownRate
from activities.ledger.base import ACTOR, LedgerBase
from activities.ledger.trust import carry_loss, move_trust
from db import audit, standing
from db.models import Share, User
from db.shares import seal, set_amounts
from domain.models import ProfitEvent, RecordedShare
from domain.policy import DEFAULT_TRUST_POLICY
from domain.settlement import billed_amount, chargeable_profit, share_amount


def payment_reference(event_id: str) -> str:
    """Deterministic, so a retried activity issues the same reference."""
    return "PS" + hashlib.sha256(event_id.encode()).hexdigest()[:14].upper()


class OpeningLedger(LedgerBase):
    @activity.defn(name=c.OPEN_SHARE)
    async def open_share(self, event: ProfitEvent) -> None:
        async with self._sessions.begin() as s:
            await audit.lock_chain(s)  # chain first, then rows: one lock order
            await standing.ensure_user(s, event.user_id)
            await s.execute(
                insert(Share)
                .values(
                    event_id=event.event_id,
                    user_id=event.user_id,
                    status="screening",
                    level=0,
                    currency=event.currency,
                    reported_profit_enc=self._cipher.encrypt(str(event.reported_profit)),
                )
                .on_conflict_do_nothing(index_elements=[Share.event_id])
            )
            share = await self._share(s, event.event_id)
            if share.verification_hash is None:  # sealed from the start: `audit verify` covers it
                seal(share, self._cipher, self._hasher)
            await self._audit(
                s,
                at=event.session_end,
                action="share.received",
                subject=event.event_id,
                key=f"{event.event_id}:received",
                details={"session_id": event.session_id},
            )

    @activity.defn(name=c.SET_STATUS)
    async def set_status(self, cmd: c.SetStatusInput) -> None:
        async with self._sessions.begin() as s:
            await audit.lock_chain(s)  # chain first, then rows: one lock order
            share = await self._share(s, cmd.event_id)
            share.status = cmd.status
            if cmd.verification is not None:
                share.verification_enc = self._cipher.encrypt_json(
                    cmd.verification.model_dump(mode="json")
                )
                set_amounts(share, self._cipher, verified_profit=cmd.verification.verified_profit)
            share.review_reasons = json.dumps(cmd.reasons) if cmd.reasons else None
            share.updated_at = func.now()
            seal(share, self._cipher, self._hasher)
            added = await self._audit(
                s,
                at=cmd.at,
                action=f"share.{cmd.status}",
                subject=cmd.event_id,
                key=f"{cmd.event_id}:status:{cmd.status}:{cmd.at.isoformat()}",
                details={"reasons": cmd.reasons, "note": cmd.note},
            )
            loss = cmd.verification.verified_profit if cmd.verification else Decimal(0)
            if added and cmd.status == "no_share" and self._high_water_mark and loss < 0:
                await carry_loss(s, self._cipher, cmd.user_id, lambda carried: carried - loss)
            if cmd.confirmed_fraud:
                await move_trust(
                    s,
                    self._cipher,
                    cmd.user_id,
                    DEFAULT_TRUST_POLICY.confirmed_fraud,
                    at=cmd.at,
                    reason="confirmed fraud",
                    key=cmd.event_id,
                    actor=ACTOR,
                )
            await standing.recompute(s, cmd.user_id)

    @activity.defn(name=c.QUOTE_FX)
    async def quote_fx(self, cmd: c.FxQuoteInput) -> c.FxQuote:
        """The rate the share will be billed at; no database, no lock held while it is asked."""
        billing = self._billing_currency or cmd.currency
        try:
            rate = await self._fx.rate(cmd.currency, billing)
        except UnknownRate as err:
            raise ApplicationError(str(err), type=c.FX_RATE_UNKNOWN, non_retryable=True) from None
        return c.FxQuote(base=cmd.currency, billing_currency=billing, rate=rate)

    @activity.defn(name=c.RECORD_SHARE)
    async def record_share(self, cmd: c.RecordShareInput) -> RecordedShare:
        event = cmd.event
        async with self._sessions.begin() as s:
            await audit.lock_chain(s)  # chain first, then rows: one lock order
            share = await self._share(s, event.event_id)
            if share.recorded_at is None:
                user = await s.get(User, event.user_id)
                rate = self._policy.rate_for(user.trust_score if user else 50)
                carried = self._cipher.decrypt_decimal(user.carried_loss_enc) if user else None
                charge = chargeable_profit(
                    cmd.verified_profit,
                    carried or Decimal(0),
                    high_water_mark=self._high_water_mark,
                )
                if user is not None and self._high_water_mark:
                    user.carried_loss_enc = self._cipher.encrypt(str(charge.carried_loss_after))
                amount = share_amount(charge.profit, rate, event.currency)
                if cmd.fx is not None:  # quoted by QUOTE_FX, outside this transaction
                    billing, fx = cmd.fx.billing_currency, cmd.fx.rate
                else:  # a share started before QUOTE_FX existed
                    billing = self._billing_currency or event.currency
                    fx = await self._fx.rate(event.currency, billing)
                billed = billed_amount(amount, fx, billing)
                # A profit that only earns back carried losses bills nothing.
                share.status = "open" if billed > 0 else "no_share"
                share.share_rate, share.fx_rate = str(rate), str(fx)
                share.billing_currency = billing
                share.recorded_at = cmd.at
                share.discount_until = cmd.at + self._policy.early_window
                share.due_at = cmd.at + self._policy.due_after
                share.payment_reference = payment_reference(event.event_id)
                share.verification_enc = self._cipher.encrypt_json(
                    cmd.verification.model_dump(mode="json")
                )
                set_amounts(
                    share,
                    self._cipher,
                    verified_profit=cmd.verified_profit,
                    share_amount=amount,
                    billed_amount=billed,
                    amount_paid=billed * 0,
                    amount_due=billed,
                )
                share.updated_at = func.now()
                seal(share, self._cipher, self._hasher)
                await self._audit(
                    s,
                    at=cmd.at,
                    action="share.recorded",
                    subject=event.event_id,
                    key=f"{event.event_id}:recorded",
                    details={"rate": str(rate), "billing_currency": billing},
                )
                await standing.recompute(s, event.user_id)
            return self._recorded(share)

    @activity.defn(name=c.SET_PAYMENT_LINK)
    async def set_payment_link(self, cmd: c.PaymentLinkInput) -> None:
        async with self._sessions.begin() as s:
            share = await self._share(s, cmd.event_id)
            share.payment_link_url = cmd.url
