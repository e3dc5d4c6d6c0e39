"""The one way to a risk decision: gather the facts, run the rules, record the decision.

POST /v1/risk/assess, the share workflow's screening and the benchmark all call
`RiskService.assess`. It runs on one connection with no transaction around it: the decision,
the device sighting and the user (if new) are one statement (db/risk/decisions.RECORD), and
at READ COMMITTED each read sees its own snapshot inside a transaction too, so BEGIN and
COMMIT would only add two round trips (the p99 under load is issue 20's target).
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from config.settings import Settings
from db import standing, user_keys
from db.alerts import alert_ops
from db.audit import Actor, Auditor
from db.audited import Audit, audited
from db.crypto import FieldCipher, RecordHasher
from db.engine import autocommit
from db.risk import decisions
from db.risk.facts import gather
from db.risk.settings_cache import FraudSettingsCache
from domain.policy import TrustPolicy
from domain.risk.assess import assess
from domain.risk.decision import RiskDecision, RiskRequest
from domain.risk.email import domain_of
from runtime.deps import Deps
from services.risk.email_intel import EmailFiles
from services.risk.intel import IntelFiles, IntelStore

ACTOR = Actor("system", name="risk")


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
        emails: EmailFiles | None = None,
        *,
        trust: TrustPolicy,
    ) -> None:
        self._sessions = sessions
        self._trust = trust
        self._cipher = cipher
        self._hasher = hasher
        self.fraud_settings = fraud_settings
        self._intel = intel
        self._emails = emails or EmailFiles(intel.directory)

    @classmethod
    def from_deps(cls, deps: Deps, settings: Settings) -> RiskService:
        return cls(
            deps.sessions,
            deps.cipher,
            deps.hasher,
            FraudSettingsCache(deps.sessions),
            IntelStore(deps.sessions, settings.ip_intel_path),
            EmailFiles(settings.ip_intel_path),
            trust=deps.policy.trust,
        )

    async def assess(self, request: RiskRequest, *, key: str | None = None) -> RiskDecision:
        """Assesses and records `request`; with a `key`, the same key gives the same decision.

        A score at or past the auto-suspend threshold (when enabled) blocks the user and
        alerts ops, in an audited change of its own right after the decision commits (its
        user's chain is never waited for while the decision's rows are held); a retry with
        the same key finishes a suspension a crash interrupted.
        """
        if key is not None:
            async with self._sessions() as s:
                await autocommit(s)  # one read: nothing to roll back (db/engine.autocommit)
                known = await decisions.find(s, self._cipher, key)
            if known is not None:
                if known.auto_suspend:
                    await self._suspend(known)
                return known
        in_force = await self.fraud_settings.current()
        if not in_force.settings.device_fingerprinting_enabled:
            # Switched off: the device is neither counted nor stored.
            request = request.model_copy(update={"device_fingerprint": None})
        if request.device_fingerprint:
            device = device_key(self._hasher, request.device_fingerprint)
            request = request.model_copy(update={"device_fingerprint": device})
        intel = await self._intel.current()
        emails = await self._emails.current()
        email_kinds = emails.kinds(domain_of(request.email)) if request.email else frozenset()
        ip_kinds = intel.kinds(request.ip) if request.ip else set()
        ip_hash = self._hasher.fingerprint(request.ip) if request.ip else None
        now = datetime.now(UTC)
        async with self._sessions() as s:
            await autocommit(s)
            facts = await gather(
                s,
                self._cipher,
                request,
                ip_hash=ip_hash,
                now=now,
                ip_kinds=ip_kinds,
                intel_as_of=intel.data_as_of,
                email_kinds=email_kinds,
            )
            email_enc = None
            if request.email:
                with contextlib.suppress(user_keys.UserErased):  # an erased user's stays unkept
                    mine = await user_keys.for_user(s, self._cipher, request.user_id)
                    email_enc = mine.encrypt(request.email)
            decision = await decisions.record(
                s,
                self._cipher,
                request,
                assess(facts, in_force.settings),
                ip_hash=ip_hash,
                at=now,
                settings_version=in_force.version,
                new_user=standing.new_user_params(self._hasher, request.user_id, self._trust),
                key=key,
                email_enc=email_enc,
            )
        if decision.auto_suspend:
            await self._suspend(decision)
        return decision

    async def _suspend(self, decision: RiskDecision) -> None:
        rules = ", ".join(reason.rule for reason in decision.reasons)
        reason = f"risk score {decision.score} on {decision.action} ({rules})"
        auditor = Auditor(self._cipher, self._hasher, trust=self._trust)
        async with audited(self._sessions, auditor, actor=ACTOR, partition=decision.user_id) as a:
            await self._block(a, decision, reason)

    async def _block(self, a: Audit, decision: RiskDecision, reason: str) -> None:
        await standing.set_blocked(
            a,
            decision.user_id,
            blocked=True,
            reason=f"auto-suspended: {reason}; decision {decision.decision_id}",
            at=decision.at,
        )
        await alert_ops(
            a,
            at=decision.at,
            key=f"risk-decision:{decision.decision_id}:auto-suspend",
            reason=f"user auto-suspended: {reason}",
            user=decision.user_id,
            decision=str(decision.decision_id),
        )
