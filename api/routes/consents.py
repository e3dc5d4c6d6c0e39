"""Versioned terms (PUT /v1/admin/terms) and users' acceptances (POST/GET .../consents)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Response
from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

from api.audited import AppActing
from api.auth import require
from api.deps import AppDeps
from api.errors import ApiError
from db import consents, user_keys
from domain.risk.facts import IpText
from domain.types import Identifier, Text

router = APIRouter(tags=["terms and consent"])


def _storable(moment: datetime) -> datetime:
    # PostgreSQL's timestamptz ends at year 294276, Python's at 9999: keep well inside both.
    if not 1970 <= moment.astimezone(UTC).year <= 9000:
        raise ValueError("must be between 1970 and 9000")
    return moment


Moment = Annotated[AwareDatetime, AfterValidator(_storable)]
Version = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:\-]+$")


class TermsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: str = Version
    url: str = Field(min_length=8, max_length=2000, pattern=r"^https?://[^\x00-\x20\x7f]+$")
    effective_at: Moment


class TermsOut(BaseModel):
    version: str
    url: str
    effective_at: datetime
    in_force: bool


class ConsentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    terms_version: str = Version
    accepted_at: Moment
    ip: IpText | None = None
    user_agent: Text | None = Field(default=None, max_length=1000)


class Consents(BaseModel):
    user_id: str
    consents: list[consents.ConsentView]
    # The version in force, and whether this user accepted it (false: cannot trade).
    terms_in_force: str | None
    accepted_current: bool


@router.put("/v1/admin/terms", dependencies=[Depends(require("admin"))])
async def put_terms(body: TermsIn, act: AppActing) -> TermsOut:
    try:
        async with act.audited(consents.TERMS_PARTITION) as a:
            terms, _ = await consents.set_terms(a, **body.model_dump(), at=act.now)
    except consents.TermsConflict as err:
        raise ApiError(409, str(err)) from err
    return TermsOut(
        version=terms.version,
        url=terms.url,
        effective_at=terms.effective_at,
        in_force=terms.effective_at <= act.now,
    )


@router.get(
    "/v1/terms",
    dependencies=[Depends(require("backend", "ops"))],
)
async def get_terms(deps: AppDeps) -> TermsOut | None:
    """The terms in force (null when none are)."""
    async with deps.sessions() as s:
        terms = await consents.in_force(s, datetime.now(UTC))
    if terms is None:
        return None
    return TermsOut(
        version=terms.version, url=terms.url, effective_at=terms.effective_at, in_force=True
    )


@router.post(
    "/v1/users/{user_id}/consents",
    status_code=201,
    responses={
        200: {"model": consents.ConsentView, "description": "this version was accepted before"}
    },
    dependencies=[Depends(require("backend"))],
)
async def post_consent(
    user_id: Identifier, body: ConsentIn, act: AppActing, response: Response
) -> consents.ConsentView:
    try:
        async with act.audited(user_id) as a:
            view, created = await consents.record_consent(
                a, user_id, **body.model_dump(), at=datetime.now(UTC)
            )
    except consents.UnknownTerms as err:
        raise ApiError(
            422,
            f"no terms version {err}",
            details=[{"field": "terms_version", "message": "unknown version"}],
        ) from err
    except user_keys.UserErased as err:
        raise ApiError(409, str(err)) from err
    if not created:
        response.status_code = 200
    return view


@router.get(
    "/v1/users/{user_id}/consents",
    dependencies=[Depends(require("backend", "ops"))],
)
async def list_consents(user_id: Identifier, deps: AppDeps) -> Consents:
    now = datetime.now(UTC)
    async with deps.sessions() as s:
        found = await consents.consents_of(s, deps.cipher, user_id)
        current = await consents.in_force(s, now)
    version = current.version if current else None
    return Consents(
        user_id=user_id,
        consents=found,
        terms_in_force=version,
        accepted_current=version is None or any(c.terms_version == version for c in found),
    )
