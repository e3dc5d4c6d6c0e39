"""The retention sweep: deletes or pseudonymises what has outlived its period (issue 18).

Run daily by the `retention-daily` schedule (workflows/retention.py) with the run's time;
pass another `now` to see what a later run would remove. Each run is audited with its counts.
Nothing financial is touched here: shares, payments and the audit log are kept for at least
RETENTION_TRANSACTIONS_DAYS / RETENTION_AUDIT_DAYS and never swept.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, update

from db import consents
from db.audit import Actor
from db.erasure import affected, pseudonymise_events
from db.models import Device, Notification, PaymentProof, ProfitEventRow, RiskDecisionRow
from db.risk import decisions as risk_decisions
from domain.retention import SweepReport

if TYPE_CHECKING:
    from db.audited import Audit

# A run's entries go to the chain of its subject: it is about no single user.
PARTITION = "retention"
ACTOR = Actor("workflow", name="retention")


@dataclass(frozen=True)
class RetentionPolicy:
    risk_decisions_days: int = 365
    ip_days: int = 90
    device_days: int = 365
    notifications_days: int = 365
    screenshots_days: int = 180

    @classmethod
    def from_settings(cls, settings) -> RetentionPolicy:  # type: ignore[no-untyped-def]
        """Each period is the setting named after it: RETENTION_<FIELD>."""
        return cls(**{f.name: getattr(settings, f"retention_{f.name}") for f in fields(cls)})


async def sweep(a: Audit, policy: RetentionPolicy, *, now: datetime) -> SweepReport:
    """One run in the audited change `a` (partition PARTITION); the same `now` twice removes
    nothing more."""

    def before(days: int) -> datetime:
        return now - timedelta(days=days)

    d = RiskDecisionRow
    session, cipher = a.session, a.cipher
    report = SweepReport(
        risk_decisions_deleted=await affected(
            session, delete(d).where(d.at < before(policy.risk_decisions_days))
        ),
        ips_pseudonymised=await risk_decisions.redact(
            session, cipher, d.at < before(policy.ip_days), devices=False
        ),
        events_pseudonymised=await pseudonymise_events(
            session, cipher, ProfitEventRow.received_at < before(policy.ip_days), at=now
        ),
        device_hashes_pseudonymised=await risk_decisions.redact(
            session, cipher, d.at < before(policy.device_days), addresses=False
        ),
        device_sightings_deleted=await affected(
            session, delete(Device).where(Device.last_seen < before(policy.device_days))
        ),
        notifications_deleted=await affected(
            session,
            delete(Notification).where(
                Notification.created_at < before(policy.notifications_days),
                Notification.sent_at.is_not(None),  # one not yet sent is still owed
            ),
        ),
        screenshots_deleted=await affected(
            session,
            update(PaymentProof)
            .where(
                PaymentProof.submitted_at < before(policy.screenshots_days),
                PaymentProof.status != "pending_review",  # an admin may still need it
                PaymentProof.screenshot_enc.is_not(None),
            )
            .values(screenshot_enc=None, ip_enc=None),
        ),
        # Terms whose effective_at came since the last run: the backend hears of it.
        terms_changes_published=await consents.publish_terms_standing(session, now, a.trust),
    )
    await a.record(
        "retention.swept",
        at=now,
        subject="retention",
        key=f"retention:{now.isoformat()}",
        details={"policy": asdict(policy), **report.model_dump()},
    )
    return report
