"""The fraud settings document as form controls, and a form back into the document.

The controls' ranges come from the model's own constraints (domain/risk/settings.py), so a
slider can never offer a value the API would refuse for its range; the cross-field rules
(block above alert, ...) stay the model's, and their messages are shown as the API gives them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from annotated_types import Ge, Le
from pydantic import BaseModel

from domain.risk.settings import FraudSettings, RuleWeights

LIST_FIELDS = ("whitelisted_users", "whitelisted_ips")


@dataclass(frozen=True)
class Control:
    name: str  # the form field: "alert_threshold", "weights.vpn"
    label: str
    kind: str  # range, number, checkbox, lines
    value: Any
    low: Any = None
    high: Any = None
    step: str = "1"


def _bounds(model: type[BaseModel], field: str) -> tuple[Any, Any]:
    low = high = None
    for item in model.model_fields[field].metadata:
        if isinstance(item, Ge):
            low = item.ge
        elif isinstance(item, Le):
            high = item.le
    return low, high


def _label(name: str) -> str:
    return name.replace("_", " ")


def controls(current: FraudSettings) -> dict[str, list[Control]]:
    """Controls grouped as the page shows them."""
    groups: dict[str, list[Control]] = {
        "Thresholds": [],
        "Detectors": [],
        "Rule weights": [],
        "Limits": [],
        "Whitelists": [],
    }
    for name, field in FraudSettings.model_fields.items():
        value = getattr(current, name)
        if name == "weights":
            for weight in RuleWeights.model_fields:
                low, high = _bounds(RuleWeights, weight)
                groups["Rule weights"].append(
                    Control(
                        f"weights.{weight}",
                        _label(weight),
                        "range",
                        getattr(value, weight),
                        low,
                        high,
                    )
                )
        elif name in LIST_FIELDS:
            groups["Whitelists"].append(Control(name, _label(name), "lines", "\n".join(value)))
        elif field.annotation is bool:
            groups["Detectors"].append(Control(name, _label(name), "checkbox", value))
        else:
            low, high = _bounds(FraudSettings, name)
            if low is not None and high is not None and field.annotation is int:
                groups["Thresholds"].append(Control(name, _label(name), "range", value, low, high))
            else:
                step = "1" if field.annotation is int else "0.05"
                groups["Limits"].append(
                    Control(name, _label(name), "number", value, low, high, step)
                )
    return groups


def parse(form: dict[str, str]) -> FraudSettings:
    """The posted form as a settings document; a missing checkbox is off (HTML sends none)."""
    data: dict[str, Any] = {"weights": {}}
    for name, field in FraudSettings.model_fields.items():
        if name == "weights":
            for weight in RuleWeights.model_fields:
                if f"weights.{weight}" in form:
                    data["weights"][weight] = form[f"weights.{weight}"]
        elif name in LIST_FIELDS:
            lines = form.get(name, "").splitlines()
            data[name] = [line.strip() for line in lines if line.strip()]
        elif field.annotation is bool:
            data[name] = form.get(name) == "on"
        elif name in form:
            data[name] = form[name]
    # Form values are text: validated as the API validates a JSON body.
    return FraudSettings.model_validate_json(json.dumps(data))


def dangerous(before: FraudSettings, after: FraudSettings) -> list[str]:
    """Changes that act on users without a human in the loop, or drop a protection."""
    warnings = []
    if after.auto_suspend_enabled and not before.auto_suspend_enabled:
        warnings.append("auto-suspend turns on: users are blocked with no admin looking")
    if after.auto_suspend_enabled and after.auto_suspend_threshold < before.auto_suspend_threshold:
        warnings.append("the auto-suspend threshold goes down: more users are blocked")
    if after.block_threshold < before.block_threshold:
        warnings.append("the block threshold goes down: more sign-ups and claims are blocked")
    if after.vpn_blocks and not before.vpn_blocks:
        warnings.append("VPN users get blocked: many honest users use a VPN")
    for name in ("proxy_blocks", "tor_blocks"):
        if getattr(before, name) and not getattr(after, name):
            warnings.append(f"{_label(name)} turns off: hidden users are no longer blocked")
    return warnings
