"""The escalation ladder's writes: a share moved to a stage, and alerts for ops."""

from __future__ import annotations

from sqlalchemy import select
from temporalio import activity

from activities import contracts as c
from activities.ledger.base import LedgerBase
from activities.ledger.trust import move_trust, trust_on_level
from db.alerts import alert_ops
from db.models import AuditEntry
from domain.ladder import Level


class LadderLedger(LedgerBase):
    @activity.defn(name=c.ESCALATE)
    async def escalate(self, cmd: c.EscalateInput) -> bool:
        """Moves the share to a ladder stage; False when it was already there or closed."""
        async with self._share_change(cmd.user_id, cmd.event_id) as (a, share):
            if share.status != "open":
                return False
            first_time_at_level = cmd.level > share.level
            added = await a.record_share(
                f"share.{Level(cmd.level).label}",
                cmd.event_id,
                cmd.stage,
                at=cmd.at,
                details={"stage": cmd.stage, "level": cmd.level},
            )
            if not added:
                return False
            if first_time_at_level:
                share.level = cmd.level
                a.changed(share)
                await move_trust(
                    a,
                    cmd.user_id,
                    trust_on_level(self._policy.trust, Level(cmd.level)),
                    at=cmd.at,
                    reason=cmd.stage,
                    key=cmd.event_id,
                )
            a.restanding(cmd.user_id)
            return True

    @activity.defn(name=c.UNDO_STAGES)
    async def undo_stages(self, cmd: c.UndoStagesInput) -> None:
        """A payment made before these stages' times: their trust moves are reversed and the
        share's level goes back to what it was when the user paid, each once, audited."""
        async with self._share_change(cmd.user_id, cmd.event_id) as (a, share):
            for undone in cmd.stages:
                added = await a.record_share(
                    "share.stage_undone",
                    cmd.event_id,
                    f"{undone.stage}:undone",
                    at=cmd.at,
                    details={
                        "stage": undone.stage,
                        "level": undone.level,
                        "paid_at": cmd.paid_at.isoformat(),
                    },
                )
                moved = await a.session.scalar(
                    select(AuditEntry.id).where(
                        AuditEntry.idempotency_key == f"{cmd.event_id}:trust:{undone.stage}"
                    )
                )
                if added and moved is not None:
                    await move_trust(
                        a,
                        cmd.user_id,
                        -trust_on_level(self._policy.trust, Level(undone.level)),
                        at=cmd.at,
                        reason=f"{undone.stage}:undone",
                        key=cmd.event_id,
                    )
            if share.level > cmd.level:
                share.level = cmd.level
                a.changed(share)
            a.restanding(cmd.user_id)

    @activity.defn(name=c.ALERT_OPS)
    async def alert_ops(self, alert: c.OpsAlert) -> None:
        """An entry under ops/alerts (what ops dashboards and reports read), once per key."""
        # No user's row is written: the share's own subject picks the chain.
        async with self._audited(alert.subject) as a:
            await alert_ops(
                a,
                at=alert.at,
                key=alert.key,
                reason=alert.reason,
                share=alert.subject,
            )
        activity.logger.warning("ops alert: %s (%s)", alert.reason, alert.subject)
