"""Seals on the rows that decide money and access, beyond shares (db/shares.py `seal`).

A seal is an HMAC, under the `seal` key derived from HASH_KEY (db/keys.py), over a row's
canonical record: its kind and the columns whose change matters. `audit verify` recomputes
each (db/integrity.py): a user unblocked, a token un-revoked, a payment's amount or a fraud
setting changed in the database without the key is found and named.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from datetime import UTC
from typing import Any

from cryptography.fernet import InvalidToken
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.crypto import FieldCipher, RecordHasher
from db.models import ApiToken, FraudSettingsRow, Payment, User

SEAL_KEY_VERSION = 1


def _iso(value: Any) -> str | None:
    # UTC: Postgres hands times back in the session's time zone, not the writer's.
    return None if value is None else value.astimezone(UTC).isoformat()


def user_record(user: User, _: FieldCipher | None = None) -> dict[str, object]:
    """A user's standing: what decides whether they may trade."""
    return {
        "id": user.id,
        "trust_score": user.trust_score,
        "blocked": user.blocked,
        "exempt": user.exempt,
        "enforcement_level": user.enforcement_level,
    }


def default_user_record(user_id: str, trust_start: int) -> dict[str, object]:
    """A user as standing.ENSURE_USER inserts them (at the configured starting trust)."""
    return {
        "id": user_id,
        "trust_score": trust_start,
        "blocked": False,
        "exempt": False,
        "enforcement_level": 0,
    }


def payment_record(payment: Payment, cipher: FieldCipher | None) -> dict[str, object]:
    assert cipher is not None
    return {
        "provider": payment.provider,
        "transaction_id": payment.transaction_id,
        "event_id": payment.event_id,
        "amount": cipher.decrypt(payment.amount_enc),
        "currency": payment.currency,
        "status": payment.status,
        "paid_at": _iso(payment.paid_at),
    }


def token_record(token: ApiToken, _: FieldCipher | None = None) -> dict[str, object]:
    return {
        "id": token.id,
        "role": token.role,
        "token_hash": token.token_hash,
        "revoked_at": _iso(token.revoked_at),
        "expires_at": _iso(token.expires_at),
    }


def fraud_settings_record(row: FraudSettingsRow, _: FieldCipher | None = None) -> dict[str, object]:
    return {"version": row.version, "document": row.document, "changed_by": row.changed_by}


RECORDS: dict[type, tuple[str, Callable[..., dict[str, object]]]] = {
    User: ("user", user_record),
    Payment: ("payment", payment_record),
    ApiToken: ("api_token", token_record),
    FraudSettingsRow: ("fraud_settings", fraud_settings_record),
}


def seal_of(hasher: RecordHasher, kind: str, record: dict[str, object]) -> str:
    return hasher.digest_for("seal", {"kind": kind, **record}, SEAL_KEY_VERSION)


def expected_seal(row: Any, hasher: RecordHasher, cipher: FieldCipher | None = None) -> str:
    kind, record = RECORDS[type(row)]
    return seal_of(hasher, kind, record(row, cipher))


def seal_row(row: Any, hasher: RecordHasher, cipher: FieldCipher | None = None) -> None:
    row.seal = expected_seal(row, hasher, cipher)


def sealed_values(model: type, hasher: RecordHasher, cipher: FieldCipher | None, **values: Any):
    """`values` for a Core insert of `model`, with their seal added."""
    return {**values, "seal": expected_seal(model(**values), hasher, cipher)}


def row_finding(row: Any, hasher: RecordHasher, cipher: FieldCipher) -> tuple[str, str] | None:
    """(kind, detail) when `row`'s seal is missing or does not match, else None."""
    kind, _ = RECORDS[type(row)]
    if row.seal is None:
        return f"{kind}_unsealed", "the row has no seal"
    try:
        expected = expected_seal(row, hasher, cipher)
    except InvalidToken:
        return f"{kind}_unreadable", "an encrypted field reads under no key"
    if not hmac.compare_digest(expected, row.seal):
        return f"{kind}_changed", "the stored row does not match its seal"
    return None


def name_of(row: Any) -> str:
    if isinstance(row, Payment):
        return f"payment {row.provider}:{row.transaction_id}"
    if isinstance(row, ApiToken):
        return f"token #{row.id}"
    if isinstance(row, FraudSettingsRow):
        return f"fraud settings v{row.version}"
    return f"user {row.id}"


async def seal_unsealed(
    sessions: async_sessionmaker[AsyncSession], cipher: FieldCipher, hasher: RecordHasher
) -> dict[str, int]:
    """Seals the rows from before seals existed (seal NULL), once, right after upgrading.

    Whatever such a row holds at that moment is what gets sealed: run it before anyone but
    the application could have written to the database since the upgrade.
    """
    sealed: dict[str, int] = {}
    for model, (kind, _) in RECORDS.items():
        async with sessions.begin() as s:
            column: Any = model.seal  # type: ignore[attr-defined]  # every sealed model has one
            rows: Any = await s.scalars(select(model).where(column.is_(None)).with_for_update())
            for row in rows:
                seal_row(row, hasher, cipher)
                sealed[kind] = sealed.get(kind, 0) + 1
    return sealed
