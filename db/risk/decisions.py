"""Risk decisions as recorded: every one kept with its reasons, for the user and the auditor."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import ColumnElement, DateTime, bindparam, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.crypto import FieldCipher
from db.models import Device, RiskDecisionRow
from db.risk.links import DEVICE, USER
from db.standing import ENSURE_USER
from domain.risk.assess import Assessment
from domain.risk.decision import RiskDecision, RiskRequest
from domain.risk.rules import Reason

ALERTING = ("alert", "block")


def _decision(row: RiskDecisionRow, cipher: FieldCipher) -> RiskDecision:
    reasons = cipher.decrypt_json(row.reasons_enc)
    assert isinstance(reasons, list)
    return RiskDecision(
        decision_id=row.id,
        at=row.at,
        user_id=row.user_id,
        action=row.action,  # type: ignore[arg-type]
        score=row.score,
        decision=row.decision,  # type: ignore[arg-type]
        reasons=[Reason.model_validate(reason) for reason in reasons],
        linked_users=row.linked_users,
        auto_suspend=row.auto_suspended,
        settings_version=row.settings_version,
    )


async def get(session: AsyncSession, cipher: FieldCipher, decision_id: int) -> RiskDecision | None:
    row = await session.get(RiskDecisionRow, decision_id)
    return None if row is None else _decision(row, cipher)


async def find(session: AsyncSession, cipher: FieldCipher, key: str) -> RiskDecision | None:
    row = await session.scalar(
        select(RiskDecisionRow).where(RiskDecisionRow.idempotency_key == key)
    )
    return None if row is None else _decision(row, cipher)


_AT = bindparam("at", type_=DateTime(timezone=True))
_seen = insert(Device).from_select(
    ["fingerprint", "user_id", "first_seen", "last_seen"],
    select(DEVICE, USER, _AT, _AT).where(DEVICE.is_not(None)),
)
_SAW_DEVICE = _seen.on_conflict_do_update(
    index_elements=[Device.fingerprint, Device.user_id],
    set_={"last_seen": _seen.excluded.last_seen},
)
_COLUMNS = (
    "action",
    "score",
    "decision",
    "rules",
    "reasons_enc",
    "linked_users",
    "ip_enc",
    "ip_hash",
    "email_enc",
    "api_key_fingerprint",
    "settings_version",
    "auto_suspended",
    "idempotency_key",
)
# One statement, one round trip: the user row (if new), the device sighting, the decision.
# With an idempotency key already used, nothing is inserted and no id comes back.
RECORD = (
    insert(RiskDecisionRow)
    .values(
        at=_AT,
        user_id=USER,
        device_fingerprint=DEVICE,
        **{name: bindparam(name) for name in _COLUMNS},
    )
    .on_conflict_do_nothing(index_elements=[RiskDecisionRow.idempotency_key])
    .returning(RiskDecisionRow.id)
    .add_cte(ENSURE_USER.cte("ensure_user"), _SAW_DEVICE.cte("saw_device"))
)


async def record(
    session: AsyncSession,
    cipher: FieldCipher,
    request: RiskRequest,
    assessment: Assessment,
    *,
    ip_hash: str | None,
    at: datetime,
    settings_version: int,
    new_user: Mapping[str, object],
    key: str | None = None,
    email_enc: str | None = None,
) -> RiskDecision:
    """Stores the decision, the device sighting and the user (if new) in the caller's
    transaction (`new_user`: standing.new_user_params, with the configured trust). With a `key`,
    a decision already stored under it is returned instead."""
    ip = request.ip
    # Core, not the ORM: with a parameter dict the ORM would treat RECORD as a bulk insert.
    connection = await session.connection()
    decision_id = await connection.scalar(
        RECORD,
        {
            "at": at,
            "user_id": request.user_id,
            "device": request.device_fingerprint,
            "action": request.action,
            "score": assessment.score,
            "decision": assessment.decision,
            "rules": [reason.rule for reason in assessment.reasons],
            "reasons_enc": cipher.encrypt_json(
                [reason.model_dump(mode="json") for reason in assessment.reasons]
            ),
            "linked_users": assessment.linked_users,
            "ip_enc": cipher.encrypt(ip) if ip else None,
            "ip_hash": ip_hash,
            "email_enc": email_enc,
            "api_key_fingerprint": request.api_key_fingerprint,
            "settings_version": settings_version,
            "auto_suspended": assessment.auto_suspend,
            "idempotency_key": key,
            "user_seal": new_user["user_seal"],
            "trust_start": new_user["trust_start"],
        },
    )
    if decision_id is None:  # a retry raced the first attempt and lost
        assert key is not None
        known = await find(session, cipher, key)
        assert known is not None
        return known
    return RiskDecision(
        **dict(assessment),
        decision_id=decision_id,
        at=at,
        user_id=request.user_id,
        action=request.action,
        settings_version=settings_version,
    )


async def alerts(
    session: AsyncSession, cipher: FieldCipher, *, limit: int, before: int | None = None
) -> list[RiskDecision]:
    """Alert and block decisions, newest first; `before` is the last id of the previous page."""
    query = select(RiskDecisionRow).where(RiskDecisionRow.decision.in_(ALERTING))
    if before is not None:
        query = query.where(RiskDecisionRow.id < before)
    rows = await session.scalars(query.order_by(RiskDecisionRow.id.desc()).limit(limit))
    return [_decision(row, cipher) for row in rows]


ERASED = "(erased)"


async def redact(
    session: AsyncSession,
    cipher: FieldCipher,
    *where: ColumnElement[bool],
    addresses: bool = True,
    devices: bool = True,
) -> int:
    """Pseudonymises the decisions matching `where` (erasure, retention): the IP and email
    (`addresses`) and the device hash (`devices`) are cleared, and so are their mentions in
    the reasons' details, which quote them. Returns how many decisions changed."""
    d = RiskDecisionRow
    present = []
    if addresses:
        present += [d.ip_enc.is_not(None), d.ip_hash.is_not(None), d.email_enc.is_not(None)]
    if devices:
        present.append(d.device_fingerprint.is_not(None))
    if not present:
        return 0
    rows = (await session.scalars(select(d).where(*where, or_(*present)))).all()
    for row in rows:
        quoted = []
        if addresses and row.ip_enc is not None:
            quoted.append(cipher.decrypt(row.ip_enc))
        if devices and row.device_fingerprint is not None:
            quoted.append(row.device_fingerprint)
        if quoted:
            reasons = cipher.decrypt_json(row.reasons_enc)
            assert isinstance(reasons, list)
            for reason in reasons:
                for value in quoted:
                    reason["detail"] = reason["detail"].replace(value, ERASED)
            row.reasons_enc = cipher.encrypt_json(reasons)
        if addresses:
            row.ip_enc = row.ip_hash = row.email_enc = None
        if devices:
            row.device_fingerprint = None
    await session.flush()
    return len(rows)
