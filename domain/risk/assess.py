"""One risk decision: run every rule, add up the points, compare with the thresholds."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field

from domain.models import Model
from domain.risk.facts import RiskFacts
from domain.risk.ipintel import IpRanges
from domain.risk.rules import RULES, Reason
from domain.risk.settings import DEFAULT_FRAUD_SETTINGS, FraudSettings

Decision = Literal["allow", "alert", "block"]


class Assessment(Model):
    score: int = Field(ge=0, le=100)
    decision: Decision
    reasons: list[Reason]
    # Every account tied to this one by device, API key or debt, for the admin to look at.
    linked_users: list[str]
    auto_suspend: bool = False


@lru_cache(maxsize=16)
def _ranges(cidrs: tuple[str, ...]) -> IpRanges:
    # Settings change rarely and assessments are many: build each whitelist once.
    return IpRanges(cidrs)


def _whitelisted(facts: RiskFacts, settings: FraudSettings) -> str | None:
    if facts.user_id in settings.whitelisted_users:
        return f"user {facts.user_id} is whitelisted"
    if facts.ip is not None and facts.ip in _ranges(tuple(settings.whitelisted_ips)):
        return f"IP {facts.ip} is whitelisted"
    return None


def _linked_users(facts: RiskFacts) -> list[str]:
    linked = {*facts.users_on_device, *facts.users_with_api_key}
    linked |= {debt.user_id for debt in facts.linked_overdue}
    return sorted(linked - {facts.user_id})


def decide(score: int, reasons: list[Reason], settings: FraudSettings) -> Decision:
    if score >= settings.block_threshold or any(r.forces_block for r in reasons):
        return "block"
    if score >= settings.alert_threshold or any(r.forces_alert for r in reasons):
        return "alert"
    return "allow"


def assess(facts: RiskFacts, settings: FraudSettings = DEFAULT_FRAUD_SETTINGS) -> Assessment:
    linked = _linked_users(facts)
    if facts.account_blocked:
        # An admin's block is a decision already taken, not a signal to weigh: it outranks
        # every rule and every whitelist, and there is nothing left to suspend.
        blocked = Reason(rule="account_blocked", points=100, detail="an admin blocked the account")
        return Assessment(score=100, decision="block", reasons=[blocked], linked_users=linked)
    why_trusted = _whitelisted(facts, settings)
    if why_trusted is not None:
        # An admin vouched for this user or network: no rule may override that.
        trusted = Reason(rule="whitelisted", points=0, detail=why_trusted)
        return Assessment(score=0, decision="allow", reasons=[trusted], linked_users=linked)
    reasons = [reason for rule in RULES if (reason := rule(facts, settings)) is not None]
    score = max(0, min(100, sum(reason.points for reason in reasons)))
    return Assessment(
        score=score,
        decision=decide(score, reasons, settings),
        reasons=reasons,
        linked_users=linked,
        # The threshold alone decides: a forced block is not evidence enough to suspend.
        auto_suspend=settings.auto_suspend_enabled and score >= settings.auto_suspend_threshold,
    )
