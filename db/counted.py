"""A payment counts toward a share once, even against a row put back from an old copy.

Every path that counts a payment (applied, settled, credited: activities/ledger/payments.py,
activities/ledger/reconcile.py, db/credit.py) records the audit step `counted_step`. A row's
seal proves what the row says, not that it is the newest state: a copy from before it was
counted, put back with its old seal, reads `received` again and would be counted twice. The
audit log is append-only to every application role, so the step outlives such a copy.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from db.alerts import alert_ops
from db.audited import Audit
from db.models import AuditEntry


def counted_step(provider: str, transaction_id: str) -> str:
    """The step (`Audit.record_share`) that records a payment counted toward a share."""
    return f"payment:{provider}:{transaction_id}"


async def counted_before(
    a: Audit, event_id: str, provider: str, transaction_id: str, *, at: datetime
) -> bool:
    """The payment was counted toward the share before, though its row reads `received`:
    not counted again, and ops are alerted (the row was changed outside the application)."""
    key = f"{event_id}:{counted_step(provider, transaction_id)}"
    found = await a.session.scalar(select(AuditEntry.id).where(AuditEntry.idempotency_key == key))
    if found is None:
        return False
    await alert_ops(
        a,
        at=at,
        key=f"recounted:{provider}:{transaction_id}",
        reason="a payment the audit log shows counted reads received again: its row was put "
        "back outside the application; it is not counted twice",
        share=event_id,
        transaction_id=transaction_id,
    )
    return True
