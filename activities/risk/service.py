"""The one way to a risk decision: gather the facts, run the rules, record the decision.

POST /v1/risk/assess, the share workflow's screening and the benchmark all call
`RiskService.assess`; it reads and writes in one transaction (one connection, one commit).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from activities.risk.intel import IntelFiles, IntelStore
from config.settings import Settings
from db import audit, standing
from db.alerts import alert_ops
from db.crypto import FieldCipher, RecordHasher
from db.risk import decisions
from db.risk.facts import gather
from db.risk.settings_cache import FraudSettingsCache
from domain.risk.assess import assess
from domain.risk.decision import RiskDecision, RiskRequest
from workers.deps import Deps

ACTOR = "risk"


def device_key(hasher: RecordHasher, fingerprint: str) -> str:
    """Only a keyed hash of a device is stored: comparable across users, not personal data."""
    return "dev_" + hasher.fingerprint(fingerprint)


class RiskService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        cipher: FieldCipher,
        hasher: RecordHasher,
        fraud_settings: FraudSettingsCache,
        intel: IntelFiles | IntelStore,
    ) -> None:
        self._sessions = sessions
        self._cipher = cipher
        self._hasher = hasher
        self.fraud_settings = fraud_settings
        self._intel = intel

    @classmethod
    def from_deps(cls, deps: Deps, settings: Settings) -> RiskService:
        return cls(
            deps.sessions,
            deps.cipher,
            deps.hasher,
            FraudSettingsCache(deps.sessions),
            IntelStore(deps.sessions, settings.ip_intel_path),
        )

    async def assess(self, request: RiskRequest, *, key: str | None = None) -> RiskDecision:
        """Assesses and records `request`; with a `key`, the same key gives the same decision.

        A score at or past the auto-suspend threshold (when enabled) blocks the user and
        alerts ops in the same transaction as the decision.
        """
        if key is not None:
            async with self._sessions() as s:
                known = await decisions.find(s, self._cipher, key)
            if known is not None:
                return known
        if request.device_fingerprint:
            device = device_key(self._hasher, request.device_fingerprint)
            request = request.model_copy(update={"device_fingerprint": device})
        in_force = await self.fraud_settings.current()
        intel = await self._intel.current()
        ip_kinds = intel.kinds(request.ip) if request.ip else set()
        ip_hash = self._hasher.fingerprint(request.ip) if request.ip else None
        now = datetime.now(UTC)
        async with self._sessions.begin() as s:
            facts = await gather(
                s,
                self._cipher,
                request,
                ip_hash=ip_hash,
                now=now,
                ip_kinds=ip_kinds,
                intel_as_of=intel.data_as_of,
            )
            decision = await decisions.record(
                s,
                self._cipher,
                request,
                assess(facts, in_force.settings),
                ip_hash=ip_hash,
                at=now,
                settings_version=in_force.version,
                key=key,
            )
            if decision.auto_suspend:
                await self._suspend(s, decision)
        return decision

    async def _suspend(self, s: AsyncSession, decision: RiskDecision) -> None:
        rules = ", ".join(reason.rule for reason in decision.reasons)
        reason = f"risk score {decision.score} on {decision.action} ({rules})"
        await audit.lock_chain(s)  # before the user's row: the one lock order
        await standing.set_blocked(
            s,
            self._cipher,
            decision.user_id,
            blocked=True,
            actor=ACTOR,
            reason=f"auto-suspended: {reason}; decision {decision.decision_id}",
            at=decision.at,
        )
        await alert_ops(
            s,
            self._cipher,
            at=decision.at,
            actor=ACTOR,
            key=f"risk-decision:{decision.decision_id}:auto-suspend",
            reason=f"user auto-suspended: {reason}",
            user=decision.user_id,
            decision=str(decision.decision_id),
        )
