"""GET, PUT /v1/admin/fraud-settings and POST .../reset: the versioned fraud settings (admin).

Every change appends a version (who, when, a note) and is audited; the change applies in
this process at once and in every other process within a second (db/risk/settings_cache.py).
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from api.audited import acting
from api.auth import require
from api.deps import AppDeps
from api.errors import ApiError
from db.risk import settings_store
from db.risk.settings_store import SettingsVersion, VersionConflict
from domain.risk.settings import DEFAULT_FRAUD_SETTINGS, FraudSettings
from domain.types import Text

router = APIRouter(tags=["fraud settings"], dependencies=[Depends(require("admin"))])

Note = Field(default="", max_length=2000)


class SettingsDocument(BaseModel):
    version: int
    settings: FraudSettings
    changed_by: str
    changed_at: datetime | None
    note: str


class SettingsChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # The whole document: a field left out takes its default, not its current value.
    settings: FraudSettings
    note: Text = Note
    # The version this change was made from; 409 if someone else saved one since.
    expected_version: int | None = Field(default=None, ge=0)


class SettingsReset(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: Text = Note


class SettingsVersionOut(SettingsDocument):
    changes: list[str]


class SettingsHistory(BaseModel):
    versions: list[SettingsVersionOut]


def _document(version: SettingsVersion) -> SettingsDocument:
    return SettingsDocument(
        version=version.version,
        settings=version.settings,
        changed_by=version.changed_by,
        changed_at=version.changed_at,
        note=version.note,
    )


async def _save(
    request: Request, settings: FraudSettings, note: str, expected: int | None
) -> SettingsDocument:
    try:
        async with acting(request).audited(settings_store.SUBJECT) as a:
            saved = await settings_store.save(
                a,
                settings,
                note=note,
                at=datetime.now(UTC),
                expected_version=expected,
            )
    except VersionConflict as err:
        raise ApiError(409, str(err), details=[{"latest_version": err.latest}]) from None
    request.app.state.risk.fraud_settings.invalidate()
    return _document(saved)


@router.get("/v1/admin/fraud-settings")
async def get_fraud_settings(deps: AppDeps) -> SettingsDocument:
    # Read from the database, not the cache: an admin sees what was saved a moment ago.
    async with deps.sessions() as s:
        return _document(await settings_store.current(s))


@router.put("/v1/admin/fraud-settings")
async def put_fraud_settings(change: SettingsChange, request: Request) -> SettingsDocument:
    return await _save(request, change.settings, change.note, change.expected_version)


@router.post("/v1/admin/fraud-settings/reset")
async def reset_fraud_settings(
    request: Request, body: SettingsReset | None = None
) -> SettingsDocument:
    note = body.note if body and body.note else "reset to the defaults"
    return await _save(request, DEFAULT_FRAUD_SETTINGS, note, None)


@router.get("/v1/admin/fraud-settings/versions")
async def fraud_settings_history(
    deps: AppDeps, limit: int = Query(20, ge=1, le=200)
) -> SettingsHistory:
    async with deps.sessions() as s:
        changes = await settings_store.history(s, limit=limit)
    return SettingsHistory(
        versions=[
            SettingsVersionOut(**_document(c.version).model_dump(), changes=c.fields)
            for c in changes
        ]
    )
