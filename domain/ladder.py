"""The escalation ladder: enforcement levels and the day each stage begins.

Days are counted from the moment the share was recorded (day 0).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import IntEnum


class Level(IntEnum):
    NONE = 0
    REMINDER = 1
    WARNING = 2
    SUSPENDED = 3
    LOCKED = 4
    COLLECTIONS = 5

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Stage:
    day: int
    level: Level

    @property
    def key(self) -> str:
        """Names this stage uniquely within one share (reminders repeat a level)."""
        return f"day{self.day:02d}-{self.level.label}"

    def due(self, day0: datetime) -> datetime:
        return day0 + timedelta(days=self.day)


REMINDER_DAYS = range(1, 7)
WARNING_DAY = 7
SUSPENDED_DAY = 14
LOCKED_DAY = 30
COLLECTIONS_DAY = 60


def ladder() -> tuple[Stage, ...]:
    """Every stage in the order it fires: a reminder each day 1..6, then 7, 14, 30, 60."""
    reminders = tuple(Stage(day, Level.REMINDER) for day in REMINDER_DAYS)
    return reminders + (
        Stage(WARNING_DAY, Level.WARNING),
        Stage(SUSPENDED_DAY, Level.SUSPENDED),
        Stage(LOCKED_DAY, Level.LOCKED),
        Stage(COLLECTIONS_DAY, Level.COLLECTIONS),
    )


def can_trade(*, level: int, trust_score: int, blocked: bool, min_trust: int) -> bool:
    return not blocked and trust_score >= min_trust and level < Level.SUSPENDED


def can_access(*, level: int) -> bool:
    return level < Level.LOCKED
