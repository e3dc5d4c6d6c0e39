"""Tests of domain/risk; `facts()` builds a quiet RiskFacts that each test perturbs."""

from __future__ import annotations

from datetime import date
from typing import Any

from domain.risk import FraudSettings, RiskFacts, RuleWeights

TODAY = date(2026, 11, 20)


def facts(**overrides: Any) -> RiskFacts:
    """Facts on which no rule fires: a login from a clean IP with no history."""
    fields: dict[str, Any] = {"user_id": "u_1", "action": "login", "today": TODAY}
    return RiskFacts(**(fields | overrides))


def settings(weights: dict[str, int] | None = None, **overrides: Any) -> FraudSettings:
    """Default settings with some weights and fields changed."""
    return FraudSettings(weights=RuleWeights(**(weights or {})), **overrides)
