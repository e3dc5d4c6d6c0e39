"""The ledger: every write of a share's life to Postgres, each idempotent by its key.

Temporal may run an activity twice; each method checks what is already recorded first,
and writes the change, its audit entry and the user's standing in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from activities.ledger.closing import ClosingLedger
from activities.ledger.ladder import LadderLedger
from activities.ledger.opening import OpeningLedger, payment_reference
from activities.ledger.payments import PaymentLedger
from activities.ledger.reconcile import ReconcileLedger


class LedgerActivities(OpeningLedger, LadderLedger, PaymentLedger, ClosingLedger, ReconcileLedger):
    def activities(self) -> list[Callable[..., Any]]:
        return [
            self.open_share,
            self.set_status,
            self.quote_fx,
            self.record_share,
            self.set_payment_link,
            self.escalate,
            self.undo_stages,
            self.alert_ops,
            self.apply_payment,
            self.open_dispute,
            self.resolve_dispute,
            self.close_share,
            self.stuck_payments,
            self.mark_payment_redelivered,
            self.credit_payment,
            self.close_in_collections,
        ]


__all__ = ["LedgerActivities", "payment_reference"]
