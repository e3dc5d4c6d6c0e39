"""What the reports read from Postgres, decrypted into the facts domain/reports aggregates."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db import audit
from db.crypto import FieldCipher
from db.models import AuditEntry, Share, User
from db.shares import amount_due_now
from db.standing import RESTRICTING_STATUSES
from domain.report_reviews import ScreenedShare, TrustChange, UserTrust
from domain.reports import OpenShareFacts

OPS_ALERTS = "ops/alerts"
TRUST_CHANGED = "trust.changed"
# The only risk decision the shares table keeps today is a block (as a review reason).
RISK_BLOCKED = "risk_blocked"


async def open_shares_due_before(
    session: AsyncSession, cipher: FieldCipher, as_of: datetime
) -> list[OpenShareFacts]:
    """Open and disputed shares whose due date has passed, with what they owe at `as_of`."""
    rows = await session.scalars(
        select(Share).where(
            Share.status.in_(RESTRICTING_STATUSES),
            Share.due_at.is_not(None),
            Share.due_at < as_of,
        )
    )
    facts = []
    for share in rows:
        owed = amount_due_now(share, cipher, as_of)
        if owed is None or share.due_at is None:
            continue
        facts.append(
            OpenShareFacts(
                event_id=share.event_id,
                user_id=share.user_id,
                level=share.level,
                currency=share.billing_currency or share.currency,
                amount_due=owed,
                due_at=share.due_at,
            )
        )
    return facts


async def fraud_facts(
    session: AsyncSession, since: datetime, until: datetime
) -> tuple[list[ScreenedShare], list[str], list[str]]:
    """Shares opened in [since, until) with their screening outcome, blocked users, and the
    ops alerts raised in the window.

    The one place to extend when risk decisions get their own table: join it here and fill
    `risk_decision` from it instead of inferring a block from the review reasons.
    """
    shares = await session.scalars(
        select(Share).where(Share.created_at >= since, Share.created_at < until)
    )
    screened = []
    for share in shares:
        reasons = tuple(json.loads(share.review_reasons)) if share.review_reasons else ()
        screened.append(
            ScreenedShare(
                event_id=share.event_id,
                user_id=share.user_id,
                status=share.status,
                review_reasons=reasons,
                risk_decision="block" if RISK_BLOCKED in reasons else "unrecorded",
            )
        )
    blocked = await session.scalars(select(User.id).where(User.blocked.is_(True)))
    alerts = await session.scalars(
        select(AuditEntry.action).where(
            AuditEntry.subject == OPS_ALERTS, AuditEntry.at >= since, AuditEntry.at < until
        )
    )
    return screened, list(blocked), list(alerts)


async def trust_facts(
    session: AsyncSession, cipher: FieldCipher, since: datetime, until: datetime
) -> tuple[list[UserTrust], list[TrustChange]]:
    """Every user's trust score now, and the trust changes the audit log holds for the window."""
    users = [
        UserTrust(user_id=u.id, trust_score=u.trust_score, blocked=u.blocked)
        for u in await session.scalars(select(User))
    ]
    entries = await session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == TRUST_CHANGED, AuditEntry.at >= since, AuditEntry.at < until)
        .order_by(AuditEntry.id)
    )
    changes = []
    for entry in entries.all():
        details = await audit.details_of(session, cipher, entry)
        changes.append(
            TrustChange(
                user_id=entry.subject.removeprefix("user/"),
                at=entry.at,
                delta=int(details.get("delta", 0)),
                reason=str(details.get("reason", "")),
            )
        )
    return users, changes
