"""Reading a setting a process cannot start without: one error, naming the variable to set."""

from __future__ import annotations


class MissingSetting(RuntimeError):
    pass


def require(value: object, name: str) -> str:
    """`value` as a string (a SecretStr unwrapped); MissingSetting names PROFITSHARE_`name`."""
    if value is None:
        raise MissingSetting(f"PROFITSHARE_{name} is not set (./scripts/dev generates it)")
    return value.get_secret_value() if hasattr(value, "get_secret_value") else str(value)
