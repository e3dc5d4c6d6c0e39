"""GDPR erasure by crypto-shredding (POST /v1/admin/users/{id}/erase).

The user's data key is destroyed, so every personal field encrypted under it (emails,
screenshots, proof and consent IPs, user agents) can never be read again, wherever a copy
lives (backups included). What was stored beside it in other forms is removed or
pseudonymised in the same transaction: keyed IP and device hashes, device sightings, the
personal fields of the stored profit events, the exchange credentials. Financial records
(shares, payments, proofs' amounts) stay, under the user id, which is the platform's
pseudonym; the audit log is never rewritten, so its chain still verifies.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from db import user_keys
from db.crypto import FieldCipher
from db.models import Device, ExchangeAccount, PaymentProof, ProfitEventRow, RiskDecisionRow
from db.privacy_models import Consent
from db.risk import decisions as risk_decisions

if TYPE_CHECKING:
    from db.audited import Audit

# The personal fields a stored profit event may carry (CONTRACT.md's ProfitEvent).
EVENT_PERSONAL_FIELDS = ("ip", "device_fingerprint", "email")
KEPT = ["shares", "payments", "payment_proofs (amounts)", "profit_events (amounts)", "audit_log"]


@dataclass(frozen=True)
class ErasureReport:
    user_id: str
    erased_at: datetime
    already_erased: bool
    data_key_destroyed: bool
    risk_decisions_pseudonymised: int
    device_sightings_deleted: int
    screenshots_deleted: int
    proofs_pseudonymised: int
    consents_pseudonymised: int
    profit_events_pseudonymised: int
    exchange_credentials_erased: int
    kept: list[str] = field(default_factory=lambda: list(KEPT))


async def erase_user(a: Audit, user_id: str, *, at: datetime) -> ErasureReport:
    """Erases `user_id`'s personal data in the audited change `a` (the user's partition).
    Repeatable: a second run finds nothing left and reports zeros.

    Raises:
        LookupError: no such user.
    """
    session, cipher = a.session, a.cipher
    user = await a.user(user_id)  # after the chain; resealed when the change ends
    if user is None:
        raise LookupError(f"no user {user_id}")
    already = user.erased_at is not None
    destroyed = await user_keys.destroy(session, user_id)
    decisions = await risk_decisions.redact(session, cipher, RiskDecisionRow.user_id == user_id)
    sightings = await affected(session, delete(Device).where(Device.user_id == user_id))
    owns_proof, owns_consent = PaymentProof.user_id == user_id, Consent.user_id == user_id
    screenshots = await cleared(session, owns_proof, PaymentProof.screenshot_enc)
    proofs = await cleared(
        session, owns_proof, PaymentProof.ip_enc, PaymentProof.device_fingerprint
    )
    consents = await cleared(session, owns_consent, Consent.ip_enc, Consent.user_agent_enc)
    events = await pseudonymise_events(session, cipher, ProfitEventRow.user_id == user_id, at=at)
    credentials = await affected(
        session,
        update(ExchangeAccount)
        .where(ExchangeAccount.user_id == user_id, ExchangeAccount.api_key_enc != "")
        .values(api_key_enc="", api_secret_enc=""),
    )
    if not already:
        user.erased_at = at
    report = ErasureReport(
        user_id=user_id,
        erased_at=user.erased_at or at,
        already_erased=already,
        data_key_destroyed=destroyed,
        risk_decisions_pseudonymised=decisions,
        device_sightings_deleted=sightings,
        screenshots_deleted=screenshots,
        proofs_pseudonymised=proofs,
        consents_pseudonymised=consents,
        profit_events_pseudonymised=events,
        exchange_credentials_erased=credentials,
    )
    await a.record(
        "user.erased",
        at=at,
        subject=f"user/{user_id}",
        key=f"user/{user_id}:erased:{at.isoformat()}",
        details=json.loads(json.dumps(asdict(report), default=str)),
    )
    return report


async def affected(session: AsyncSession, statement) -> int:  # type: ignore[no-untyped-def]
    result = await session.execute(statement.execution_options(synchronize_session=False))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def cleared(
    session: AsyncSession, owned: ColumnElement[bool], *columns: InstrumentedAttribute[Any]
) -> int:
    """Sets `columns` (of one table) to NULL on the owned rows that still hold any of them;
    how many rows that was (a repeat finds none)."""
    table = columns[0].class_
    held = or_(*(column.is_not(None) for column in columns))
    statement = update(table).where(owned, held).values({column: None for column in columns})
    return await affected(session, statement)


async def pseudonymise_events(
    session: AsyncSession, cipher: FieldCipher, *where: ColumnElement[bool], at: datetime
) -> int:
    """Re-encrypts the stored events matching `where` without their personal fields (IP,
    device, email); amounts and ids stay. Each event is done once (personal_cleared_at)."""
    rows = await session.scalars(
        select(ProfitEventRow).where(*where, ProfitEventRow.personal_cleared_at.is_(None))
    )
    changed = 0
    for row in rows:
        body = json.loads(cipher.decrypt(row.body_enc))
        if any(body.get(name) is not None for name in EVENT_PERSONAL_FIELDS):
            for name in EVENT_PERSONAL_FIELDS:
                if name in body:
                    body[name] = None
            row.body_enc = cipher.encrypt(json.dumps(body))
            changed += 1
        row.personal_cleared_at = at
    await session.flush()
    return changed
