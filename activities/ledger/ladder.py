"""The escalation ladder's writes: a share moved to a stage, and alerts for ops."""

from __future__ import annotations

from sqlalchemy import func, select
from temporalio import activity

from activities import contracts as c
from activities.ledger.base import ACTOR, LedgerBase
from activities.ledger.trust import TRUST_ON_LEVEL, move_trust
from db import audit, standing
from db.alerts import alert_ops
from db.models import AuditEntry
from db.shares import seal
from domain.ladder import Level


class LadderLedger(LedgerBase):
    @activity.defn(name=c.ESCALATE)
    async def escalate(self, cmd: c.EscalateInput) -> bool:
        """Moves the share to a ladder stage; False when it was already there or closed."""
        async with self._sessions.begin() as s:
            await audit.lock_chain(s)  # chain first, then rows: one lock order
            share = await self._share(s, cmd.event_id)
            if share.status != "open":
                return False
            first_time_at_level = cmd.level > share.level
            added = await self._audit(
                s,
                at=cmd.at,
                action=f"share.{Level(cmd.level).label}",
                subject=cmd.event_id,
                key=f"{cmd.event_id}:{cmd.stage}",
                details={"stage": cmd.stage, "level": cmd.level},
            )
            if not added:
                return False
            if first_time_at_level:
                share.level = cmd.level
                share.updated_at = func.now()
                seal(share, self._cipher, self._hasher)
                await move_trust(
                    s,
                    self._cipher,
                    cmd.user_id,
                    TRUST_ON_LEVEL.get(Level(cmd.level), 0),
                    at=cmd.at,
                    reason=cmd.stage,
                    key=cmd.event_id,
                    actor=ACTOR,
                )
            await standing.recompute(s, cmd.user_id)
            return True

    @activity.defn(name=c.UNDO_STAGES)
    async def undo_stages(self, cmd: c.UndoStagesInput) -> None:
        """A payment made before these stages' times: their trust moves are reversed and the
        share's level goes back to what it was when the user paid, each once, audited."""
        async with self._sessions.begin() as s:
            await audit.lock_chain(s)  # chain first, then rows: one lock order
            share = await self._share(s, cmd.event_id)
            for undone in cmd.stages:
                added = await self._audit(
                    s,
                    at=cmd.at,
                    action="share.stage_undone",
                    subject=cmd.event_id,
                    key=f"{cmd.event_id}:{undone.stage}:undone",
                    details={
                        "stage": undone.stage,
                        "level": undone.level,
                        "paid_at": cmd.paid_at.isoformat(),
                    },
                )
                moved = await s.scalar(
                    select(AuditEntry.id).where(
                        AuditEntry.idempotency_key == f"{cmd.event_id}:trust:{undone.stage}"
                    )
                )
                if added and moved is not None:
                    await move_trust(
                        s,
                        self._cipher,
                        cmd.user_id,
                        -TRUST_ON_LEVEL.get(Level(undone.level), 0),
                        at=cmd.at,
                        reason=f"{undone.stage}:undone",
                        key=cmd.event_id,
                        actor=ACTOR,
                    )
            if share.level > cmd.level:
                share.level = cmd.level
                share.updated_at = func.now()
                seal(share, self._cipher, self._hasher)
            await standing.recompute(s, cmd.user_id)

    @activity.defn(name=c.ALERT_OPS)
    async def alert_ops(self, alert: c.OpsAlert) -> None:
        """An entry under ops/alerts (what ops dashboards and reports read), once per key."""
        async with self._sessions.begin() as s:
            await audit.lock_chain(s)  # chain first, then rows: one lock order
            await alert_ops(
                s,
                self._cipher,
                at=alert.at,
                actor=ACTOR,
                key=alert.key,
                reason=alert.reason,
                share=alert.subject,
            )
        activity.logger.warning("ops alert: %s (%s)", alert.reason, alert.subject)
