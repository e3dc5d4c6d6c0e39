"""Risk decisions as recorded: every one kept with its reasons, for the user and the auditor."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from db import standing
from db.crypto import FieldCipher, RecordHasher
from db.models import Device, RiskDecisionRow
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


async def find(session: AsyncSession, cipher: FieldCipher, key: str) -> RiskDecision | None:
    row = await session.scalar(
        select(RiskDecisionRow).where(RiskDecisionRow.idempotency_key == key)
    )
    return None if row is None else _decision(row, cipher)


async def _saw_device(session: AsyncSession, user_id: str, device: str, at: datetime) -> None:
    await session.execute(
        insert(Device)
        .values(fingerprint=device, user_id=user_id, first_seen=at, last_seen=at)
        .on_conflict_do_update(
            index_elements=[Device.fingerprint, Device.user_id], set_={"last_seen": at}
        )
    )


async def record(
    session: AsyncSession,
    cipher: FieldCipher,
    hasher: RecordHasher,
    request: RiskRequest,
    assessment: Assessment,
    *,
    at: datetime,
    settings_version: int,
    key: str | None = None,
) -> RiskDecision:
    """Stores the decision (and the device sighting) in the caller's transaction.

    With a `key`, a decision already stored under it is returned instead of a second one.
    """
    await standing.ensure_user(session, request.user_id)
    if request.device_fingerprint is not None:
        await _saw_device(session, request.user_id, request.device_fingerprint, at)
    ip = request.ip
    decision_id = await session.scalar(
        insert(RiskDecisionRow)
        .values(
            at=at,
            user_id=request.user_id,
            action=request.action,
            score=assessment.score,
            decision=assessment.decision,
            rules=[reason.rule for reason in assessment.reasons],
            reasons_enc=cipher.encrypt_json(
                [reason.model_dump(mode="json") for reason in assessment.reasons]
            ),
            linked_users=assessment.linked_users,
            ip_enc=cipher.encrypt(ip) if ip else None,
            ip_hash=hasher.fingerprint(ip) if ip else None,
            device_fingerprint=request.device_fingerprint,
            api_key_fingerprint=request.api_key_fingerprint,
            settings_version=settings_version,
            auto_suspended=assessment.auto_suspend,
            idempotency_key=key,
        )
        .on_conflict_do_nothing(index_elements=[RiskDecisionRow.idempotency_key])
        .returning(RiskDecisionRow.id)
    )
    if decision_id is None:  # a retry raced the first attempt and lost
        assert key is not None
        known = await find(session, cipher, key)
        assert known is not None
        return known
    return RiskDecision(
        **assessment.model_dump(),
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
