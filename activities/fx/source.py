"""What every FX source promises, and the checks a fetched rate must pass before it is used."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Protocol


class FxSource(Protocol):
    async def rate(self, base: str, quote: str) -> Decimal:
        """How many `quote` one `base` buys; raises UnknownRate or BadRate."""
        ...


class UnknownRate(LookupError):
    """The source has no rate for this pair."""


class BadRate(ValueError):
    """The source answered with a rate we must not bill with (not positive, stale)."""


@dataclass(frozen=True)
class Observation:
    """A rate as a source reported it; `observed_at` is None when the source gives no time."""

    rate: Decimal
    observed_at: datetime | None = None


def checked(observation: Observation, *, pair: str, now: datetime, max_age: timedelta) -> Decimal:
    """The observation's rate, unless it is nonsense or older than `max_age`.

    A share is billed at this rate for its whole life, so a zero, negative or stale rate
    is refused rather than recorded; the activity fails and Temporal retries it.
    """
    rate = observation.rate
    if not rate.is_finite() or rate <= 0:
        raise BadRate(f"FX source gave {pair} = {rate}, not a positive number")
    if observation.observed_at is not None and now - observation.observed_at > max_age:
        raise BadRate(
            f"FX rate {pair} is from {observation.observed_at.isoformat()}, older than {max_age}"
        )
    return rate


def invert(rate: Decimal) -> Decimal:
    """1 / rate to 12 places: enough for any billing amount we quantize afterwards."""
    return (Decimal(1) / rate).quantize(Decimal("1e-12"))


def utc_now() -> datetime:
    return datetime.now(UTC)


class LiveRates(ABC):
    """A source that reads rates as they are now (an exchange, an FX service): a currency
    buys itself at 1 without asking, and a rate read is refused when older than `max_age`."""

    def __init__(self, *, max_age: timedelta, clock: Callable[[], datetime] = utc_now) -> None:
        self._max_age = max_age
        self._clock = clock

    async def rate(self, base: str, quote: str) -> Decimal:
        if base == quote:
            return Decimal(1)
        return await self._read(base, quote)

    @abstractmethod
    async def _read(self, base: str, quote: str) -> Decimal:
        """The rate of two different currencies."""

    def _checked(self, observation: Observation, pair: str) -> Decimal:
        return checked(observation, pair=pair, now=self._clock(), max_age=self._max_age)
