"""The escalation ladder's writes: a share moved to a stage, and alerts for ops."""

from __future__ import annotations

from temporalio import activity

from activities import contracts as c
from activities.ledger.base import LedgerBase
from activities.ledger.trust import move_trust, trust_on_level
from db.alerts import alert_ops
from domain.ladder import Level


class LadderLedger(LedgerBase):
    @activity.defn(name=c.ESCALATE)
    async def escalate(self, cmd: c.EscalateInput) -> bool:
        """Moves the share to a ladder stage; False when it was already there or closed."""
        async with self._share_change(cmd.user_id, cmd.event_id) as (a, share):
            if share.status != "open":
                return False
            first_time_at_level = cmd.level > share.level
            added = await a.record(
                f"share.{Level(cmd.level).label}",
                at=cmd.at,
                subject=cmd.event_id,
                key=f"{cmd.event_id}:{cmd.stage}",
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
