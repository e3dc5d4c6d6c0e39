"""Versioned profit-share terms and each user's acceptance of them (issue 18).

The terms in force are the latest version whose effective_at has come. Until a user has
accepted that version, they may not trade (standing: `terms_not_accepted`); the backend is
told through the standing outbox when that changes, either way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from db import user_keys
from db.crypto import FieldCipher
from db.models import User
from db.outbox import publish_standing
from db.privacy_models import Consent, Terms
from domain.policy import TrustPolicy
from domain.standing_changes import Standing

if TYPE_CHECKING:
    from db.audited import Audit

# The partition of terms versions' audit entries (a consent goes to its user's).
TERMS_PARTITION = "terms"


class TermsConflict(ValueError):
    """The version exists with a different url or effective_at: a version never changes."""


class UnknownTerms(LookupError):
    pass


def _in_force(now: datetime | ColumnElement[datetime]):  # type: ignore[no-untyped-def]
    return (
        select(Terms)
        .where(Terms.effective_at <= now)
        .order_by(Terms.effective_at.desc(), Terms.set_at.desc())
        .limit(1)
    )


async def in_force(session: AsyncSession, now: datetime) -> Terms | None:
    return await session.scalar(_in_force(now))


def accepted_current_clause(
    user_id: ColumnElement[str], now: datetime | ColumnElement[datetime]
) -> ColumnElement[bool]:
    """True when no terms are in force, or the user accepted the version that is: one SQL
    condition on `user_id` (a parameter, or a column of an enclosing statement)."""
    current = _in_force(now).with_only_columns(Terms.version).scalar_subquery()
    return or_(
        ~_in_force(now).exists(),
        exists().where(Consent.user_id == user_id, Consent.terms_version == current),
    )


async def set_terms(
    a: Audit, *, version: str, url: str, effective_at: datetime, at: datetime
) -> tuple[Terms, bool]:
    """Puts a terms version on record in the audited change `a` (partition TERMS_PARTITION);
    (terms, created). The same again is a no-op.

    Raises:
        TermsConflict: the version is on record with another url or effective_at.
    """
    session = a.session
    known = await session.get(Terms, version)
    if known is not None:
        if known.url != url or known.effective_at != effective_at:
            raise TermsConflict(f"terms version {version} is already on record, differently")
        return known, False
    set_by = a.actor_name[: Terms.set_by.type.length]
    terms = Terms(version=version, url=url, effective_at=effective_at, set_by=set_by, set_at=at)
    session.add(terms)
    await session.flush()
    await a.record(
        "terms.set",
        at=at,
        subject=f"terms/{version}",
        key=f"terms/{version}:set",
        details={"version": version, "url": url, "effective_at": effective_at.isoformat()},
    )
    await publish_terms_standing(session, at, a.trust)
    return terms, True


async def publish_terms_standing(session: AsyncSession, now: datetime, trust: TrustPolicy) -> int:
    """Queues a standing change for every user whose terms acceptance changed since the
    backend last heard; returns how many. Safe to repeat: an unchanged standing queues nothing.
    The retention sweep calls it too, for versions whose effective_at has come since."""
    current = await in_force(session, now)
    if current is None:
        return 0
    accepted = select(Consent.user_id).where(Consent.terms_version == current.version)
    users = await session.execute(
        select(
            User.id, User.enforcement_level, User.trust_score, User.blocked, User.id.in_(accepted)
        )
    )
    queued = 0
    for user_id, level, score, blocked, ok in users.tuples():
        standing = Standing(
            user_id,
            level,
            score,
            blocked,
            terms_accepted=bool(ok),
            min_trust=trust.min_to_trade,
        )
        reason = f"terms version {current.version} in force"
        if await publish_standing(session, standing, trust, reason=reason, at=now):
            queued += 1
    return queued


@dataclass(frozen=True)
class ConsentView:
    terms_version: str
    accepted_at: datetime
    ip: str | None
    user_agent: str | None
    recorded_at: datetime


async def record_consent(
    a: Audit,
    user_id: str,
    *,
    terms_version: str,
    accepted_at: datetime,
    ip: str | None,
    user_agent: str | None,
    at: datetime,
) -> tuple[ConsentView, bool]:
    """Records an acceptance in the audited change `a` (the user's partition) and tells the
    backend if the user may now trade; (consent, created). A second acceptance of one
    version keeps the first.

    Raises:
        UnknownTerms: no such terms version.
        user_keys.UserErased: the user was erased.
    """
    from db import standing  # db.standing imports this module

    session = a.session
    if await session.get(Terms, terms_version) is None:
        raise UnknownTerms(terms_version)
    await standing.ensure_user(session, a.hasher, user_id, a.trust)
    mine = await user_keys.for_user(session, a.cipher, user_id)
    known = await session.scalar(
        select(Consent).where(Consent.user_id == user_id, Consent.terms_version == terms_version)
    )
    if known is not None:
        return _view(known, mine), False
    row = Consent(
        user_id=user_id,
        terms_version=terms_version,
        accepted_at=accepted_at,
        ip_enc=mine.encrypt(ip),
        user_agent_enc=mine.encrypt(user_agent),
        recorded_at=at,
    )
    session.add(row)
    await session.flush()
    await a.record(
        "terms.accepted",
        at=at,
        subject=f"user/{user_id}",
        key=f"user/{user_id}:terms/{terms_version}:accepted",
        details={"terms_version": terms_version, "accepted_at": accepted_at.isoformat()},
    )
    await a.user(user_id)  # locked after the chain; resealed with the standing at the end
    a.restanding(user_id, reason=f"accepted terms {terms_version}", at=at)
    return _view(row, mine), True


async def consents_of(
    session: AsyncSession, cipher: FieldCipher, user_id: str
) -> list[ConsentView]:
    mine = await user_keys.existing(session, cipher, user_id)
    rows = await session.scalars(
        select(Consent).where(Consent.user_id == user_id).order_by(Consent.accepted_at, Consent.id)
    )
    return [_view(row, mine) for row in rows]


def _view(row: Consent, mine: user_keys.UserCipher | None) -> ConsentView:
    return ConsentView(
        terms_version=row.terms_version,
        accepted_at=row.accepted_at,
        ip=user_keys.readable(mine, row.ip_enc),
        user_agent=user_keys.readable(mine, row.user_agent_enc),
        recorded_at=row.recorded_at,
    )
