"""GET /v1/admin/audit: who did what, newest first (ops answer "who waived this?")."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, Self

from fastapi import APIRouter, Depends, Query
from pydantic import AwareDatetime, BaseModel
from sqlalchemy import Select, or_, select

from api.auth import require
from api.deps import AppDeps
from db import audit
from db.audit import Actor
from db.models import AuditEntry

router = APIRouter(tags=["admin"])
# No control characters (PostgreSQL refuses NUL in text): a filter with one is a 422.
PRINTABLE = r"^[^\x00-\x1f\x7f]*$"


class ActorOut(BaseModel):
    kind: Literal["token", "system", "workflow"]
    token_id: int | None = None
    label: str | None = None
    role: str | None = None
    name: str | None = None  # the component, for kind system

    @classmethod
    def of(cls, stored: str) -> Self:
        actor = Actor.parse(stored)
        return cls(
            kind=actor.kind,
            token_id=actor.token_id,
            label=actor.label,
            role=actor.role,
            name=actor.name or None,
        )


class AuditEntryOut(BaseModel):
    seq: int
    at: datetime
    actor: ActorOut
    action: str
    subject: str
    details: dict


class AuditPage(BaseModel):
    entries: list[AuditEntryOut]
    # Pass as `before` for the next (older) page; null on the last page.
    next_before: int | None


def actor_filter(query: Select, actor: str) -> Select:
    """A token id (`12`), a token label or role, or a stored actor (`workflow`, `system:risk`)."""
    if actor.isdigit():
        return query.where(AuditEntry.actor.like(f"token:{actor}:%"))
    escaped = actor.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return query.where(
        or_(
            AuditEntry.actor == actor,
            AuditEntry.actor.like(f"token:%:%:{escaped}"),
            AuditEntry.actor.like(f"token:%:{escaped}:%"),
        )
    )


@router.get("/v1/admin/audit", dependencies=[Depends(require("ops"))])
async def list_audit(
    deps: AppDeps,
    subject: str | None = Query(None, max_length=160, pattern=PRINTABLE),
    actor: str | None = Query(None, max_length=256, pattern=PRINTABLE),
    action: str | None = Query(None, max_length=64, pattern=PRINTABLE),
    since: AwareDatetime | None = None,
    until: AwareDatetime | None = None,
    limit: int = Query(50, ge=1, le=500),
    before: int | None = Query(
        None, ge=1, le=2**63 - 1, description="next_before of the previous page"
    ),
) -> AuditPage:
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if subject is not None:
        query = query.where(AuditEntry.subject == subject)
    if actor is not None:
        query = actor_filter(query, actor)
    if action is not None:
        query = query.where(AuditEntry.action == action)
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    if until is not None:
        query = query.where(AuditEntry.at < until)
    if before is not None:
        query = query.where(AuditEntry.id < before)
    async with deps.sessions() as s:
        rows = list(await s.scalars(query))
        entries = [
            AuditEntryOut(
                seq=row.id,
                at=row.at,
                actor=ActorOut.of(row.actor),
                action=row.action,
                subject=row.subject,
                details=await audit.details_of(s, deps.cipher, row),
            )
            for row in rows
        ]
    return AuditPage(entries=entries, next_before=rows[-1].id if len(rows) == limit else None)
