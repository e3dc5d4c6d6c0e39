"""Fraud settings in Postgres: each change appends a version; the newest version is in force.

Nothing is ever overwritten, so the history answers who changed what and when, and a
decision's `settings_version` names the exact document its score came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from db.audit import Actor
from db.audited import Audit
from db.models import FraudSettingsRow
from db.seals import seal_row
from domain.risk.settings import DEFAULT_FRAUD_SETTINGS, FraudSettings, changed_fields

SUBJECT = "fraud-settings"  # also the audit partition of every change to them
# One writer at a time picks the next version number; released at commit.
_WRITE_LOCK = 7_410_002


@dataclass(frozen=True)
class SettingsVersion:
    version: int
    settings: FraudSettings
    changed_by: str
    changed_at: datetime | None
    note: str


# Until an admin saves a document, the DESIGN.md defaults are version 0.
DEFAULTS = SettingsVersion(
    version=0,
    settings=DEFAULT_FRAUD_SETTINGS,
    changed_by="defaults",
    changed_at=None,
    note="DESIGN.md defaults",
)


class VersionConflict(Exception):
    def __init__(self, expected: int, latest: int) -> None:
        super().__init__(f"the settings are at version {latest}, not {expected}")
        self.latest = latest


def _version(row: FraudSettingsRow) -> SettingsVersion:
    return SettingsVersion(
        version=row.version,
        settings=FraudSettings.model_validate(row.document),
        changed_by=row.changed_by,
        changed_at=row.changed_at,
        note=row.note,
    )


async def latest_version(session: AsyncSession) -> int:
    newest = await session.scalar(select(func.max(FraudSettingsRow.version)))
    return newest or 0


async def current(session: AsyncSession) -> SettingsVersion:
    row = await session.scalar(
        select(FraudSettingsRow).order_by(FraudSettingsRow.version.desc()).limit(1)
    )
    return DEFAULTS if row is None else _version(row)


async def save(
    a: Audit,
    settings: FraudSettings,
    *,
    note: str,
    at: datetime,
    expected_version: int | None = None,
) -> SettingsVersion:
    """Appends `settings` as the next version, in the audited change `a` (its actor made it).

    Raises:
        VersionConflict: `expected_version` is given and another change came first.
    """
    session = a.session
    changed_by = (a.actor.render() if isinstance(a.actor, Actor) else a.actor)[:160]
    await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _WRITE_LOCK})
    before = await current(session)
    if expected_version is not None and expected_version != before.version:
        raise VersionConflict(expected_version, before.version)
    row = FraudSettingsRow(
        version=before.version + 1,
        document=settings.model_dump(mode="json"),
        changed_by=changed_by,
        changed_at=at,
        note=note,
    )
    seal_row(row, a.hasher)
    session.add(row)
    await a.record(
        "fraud_settings.changed",
        at=at,
        subject=SUBJECT,
        key=f"fraud-settings:{row.version}",
        details={
            "version": row.version,
            "changes": changed_fields(before.settings, settings),
            "note": note,
        },
    )
    return _version(row)


@dataclass(frozen=True)
class Change:
    version: SettingsVersion
    # Dotted names of the settings this version changed from the one before it.
    fields: list[str]


async def history(session: AsyncSession, *, limit: int) -> list[Change]:
    """The newest `limit` versions, newest first; just the defaults when none was saved."""
    rows = await session.scalars(
        select(FraudSettingsRow).order_by(FraudSettingsRow.version.desc()).limit(limit + 1)
    )
    # One more than asked for, so the oldest one listed has something to compare with.
    versions = [_version(row) for row in rows] + [DEFAULTS]
    return [
        Change(version=newer, fields=changed_fields(older.settings, newer.settings))
        for newer, older in zip(versions[:limit], versions[1:], strict=False)
    ] or [Change(version=DEFAULTS, fields=[])]
