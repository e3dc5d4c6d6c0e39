"""What every ledger activity shares: its clients, the audited change, the locked share row."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from activities.contracts import ApplyPaymentInput
from activities.fx import FxSource
from db.audit import WORKFLOW, Auditor
from db.audited import Audit, audited, audited_share
from db.crypto import FieldCipher, RecordHasher
from db.models import Share
from db.shares import amounts, set_amounts
from domain.models import RecordedShare
from domain.money import format_money
from domain.policy import Policy
from domain.settlement import PaymentOutcome

ACTOR = WORKFLOW


class LedgerBase:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        cipher: FieldCipher,
        hasher: RecordHasher,
        fx: FxSource,
        *,
        billing_currency: str | None = None,
        high_water_mark: bool = False,
        policy: Policy | None = None,
    ) -> None:
        self._sessions = sessions
        self._cipher = cipher
        self._hasher = hasher
        self._fx = fx
        self._billing_currency = billing_currency
        self._high_water_mark = high_water_mark
        # Read from configuration at start-up (config/policy.py); the brief's figures in tests.
        self._policy = policy or Policy()

        self._auditor = Auditor(cipher, hasher, trust=self._policy.trust)

    def _audited(self, partition: str) -> AbstractAsyncContextManager[Audit]:
        """An audited change made by the workflow (db/audited.py), in the user's chain."""
        return audited(self._sessions, self._auditor, actor=ACTOR, partition=partition)

    def _share_change(
        self, user_id: str, event_id: str
    ) -> AbstractAsyncContextManager[tuple[Audit, Share]]:
        """An audited change of the share, its row locked (LookupError if it was not opened)."""
        return audited_share(
            self._sessions, self._auditor, actor=ACTOR, user_id=user_id, event_id=event_id
        )

    def _set_paid_amounts(self, share: Share, paid: ApplyPaymentInput | PaymentOutcome) -> None:
        """The amounts an applied payment moves, whoever priced it (the workflow, or the
        payment reconciler for a share in collections); no credit is stored as NULL."""
        set_amounts(
            share,
            self._cipher,
            amount_paid=paid.amount_paid,
            amount_due=paid.amount_due,
            credit=paid.credit or None,
            discount_granted=paid.discount_granted,
        )

    def _recorded(self, share: Share) -> RecordedShare:
        money = amounts(share, self._cipher)
        return RecordedShare(
            recorded_at=share.recorded_at,
            share_rate=share.share_rate,
            share_amount=format_money(money["share_amount"] or Decimal(0)),
            billing_currency=share.billing_currency,
            fx_rate=share.fx_rate,
            billed_amount=format_money(money["billed_amount"] or Decimal(0)),
            discount_until=share.discount_until,
            due_at=share.due_at,
            payment_reference=share.payment_reference,
            discount_rate=share.discount_rate,
            billing_places=share.billing_places,
        )
