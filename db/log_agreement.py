"""Sealed rows against the audit log's newest word about them (`audit verify`).

A seal proves a row's contents, not that the row is the newest state of its record: an
older copy put back with its old seal, or a row deleted, passes every seal check. The audit
log is append-only to every application role, so what it says last about a record outlives
such a change:
- a token it says was revoked must be revoked;
- a user it last says was blocked must exist and be blocked, one it last says was
  unblocked must not be blocked;
- every fraud-settings version it says was saved must still exist.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from db.risk.settings_store import SUBJECT as FRAUD_SETTINGS

_TOKENS_REVOKED_BY_THE_LOG = text(
    """
    SELECT t.id FROM api_tokens t
    WHERE t.revoked_at IS NULL
      AND EXISTS (
        SELECT 1 FROM audit_log a WHERE a.idempotency_key = 'token:' || t.id || :revoked
      )
    ORDER BY t.id
    """
)
# Every entry about one user is in that user's chain: the newest is the highest position.
_USERS_AS_THE_LOG_LAST_SAYS = text(
    """
    SELECT last.subject, last.action, u.blocked
    FROM (
        SELECT DISTINCT ON (subject) subject, action
        FROM audit_log
        WHERE action IN ('user.blocked', 'user.unblocked')
        ORDER BY subject, chain_seq DESC NULLS LAST, id DESC
    ) AS last
    LEFT JOIN users u ON 'user/' || u.id = last.subject
    ORDER BY last.subject
    """
)
_SETTINGS_SAVED_BUT_GONE = text(
    """
    SELECT a.idempotency_key FROM audit_log a
    WHERE a.subject = :subject AND a.action = 'fraud_settings.changed'
      AND NOT EXISTS (
        SELECT 1 FROM fraud_settings f WHERE 'fraud-settings:' || f.version = a.idempotency_key
      )
    ORDER BY a.id
    """
)


async def disagreements(s: AsyncSession) -> list[tuple[str, str, str]]:
    """(kind, subject, detail) for each row that disagrees with the log."""
    found: list[tuple[str, str, str]] = []
    # db/tokens.py's key, `token:<id>:revoked` (bound: a colon in text() starts a parameter)
    for (token_id,) in await s.execute(_TOKENS_REVOKED_BY_THE_LOG, {"revoked": ":revoked"}):
        detail = "the audit log says it was revoked; its row is not"
        found.append(("api_token_unrevoked", f"token #{token_id}", detail))
    for subject, action, blocked in await s.execute(_USERS_AS_THE_LOG_LAST_SAYS):
        said = "blocked" if action == "user.blocked" else "unblocked"
        subject = f"user {subject.removeprefix('user/')}"  # named as db/seals.py names rows
        if blocked is None and said == "blocked":
            found.append(("user_missing", subject, "the audit log last says blocked; no row"))
        elif blocked is not None and blocked != (said == "blocked"):
            found.append(("user_changed", subject, f"the audit log last says {said}; the row not"))
    for (key,) in await s.execute(_SETTINGS_SAVED_BUT_GONE, {"subject": FRAUD_SETTINGS}):
        version = key.removeprefix("fraud-settings:")
        detail = "the audit log says it was saved; its row is gone"
        found.append(("fraud_settings_missing", f"fraud settings v{version}", detail))
    return found
