"""Tamper evidence: rows changed behind the application's back are found and named."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from db.integrity import verify
from db.models import AuditEntry
from tests.support.records import full_record

KEY = Fernet.generate_key().decode()


async def test_an_untouched_database_verifies(own_deps):
    async with own_deps(KEY) as deps:
        for _ in range(2):
            await full_record(deps)
        report = await verify(deps.sessions, deps.cipher, deps.hasher)
        async with deps.sessions() as s:
            entries = await s.scalar(select(func.count()).select_from(AuditEntry))
    assert report.ok, report.findings
    assert (report.shares, report.entries) == (2, entries)


async def test_an_amount_changed_in_postgres_is_named_by_its_share(own_deps):
    async with own_deps(KEY) as deps:
        honest, forged = await full_record(deps), await full_record(deps)
        # Someone with the database and even the Fernet key, but not HASH_KEY, lowers a debt.
        async with deps.sessions.begin() as s:
            await s.execute(
                text("UPDATE shares SET amount_due_enc = :token WHERE event_id = :id"),
                {"token": deps.cipher.encrypt("0.01"), "id": forged.event_id},
            )
        report = await verify(deps.sessions, deps.cipher, deps.hasher)
    assert [(f.kind, f.subject) for f in report.findings] == [("share_changed", forged.event_id)]
    assert honest.event_id not in {f.subject for f in report.findings}


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET action = 'share.waived'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
    ],
)
async def test_the_database_refuses_to_rewrite_the_audit_log(own_deps, statement):
    async with own_deps(KEY) as deps:
        await full_record(deps)
        with pytest.raises(DBAPIError, match="audit_log is append-only"):
            async with deps.sessions.begin() as s:
                await s.execute(text(statement))


async def _bypassing_the_trigger(deps, statement: str, **params: object) -> None:
    """What only a superuser can do: switch the append-only trigger off for one statement."""
    async with deps.sessions.begin() as s:
        await s.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
        await s.execute(text(statement), params)
        await s.execute(text("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only"))


async def _entry_ids(deps) -> list[int]:
    async with deps.sessions() as s:
        return list(await s.scalars(select(AuditEntry.id).order_by(AuditEntry.id)))


async def test_an_edited_audit_entry_is_the_first_broken_link(own_deps):
    async with own_deps(KEY) as deps:
        await full_record(deps)
        await full_record(deps)
        ids = await _entry_ids(deps)
        edited = ids[len(ids) // 2]
        await _bypassing_the_trigger(
            deps, "UPDATE audit_log SET actor = 'admin' WHERE id = :id", id=edited
        )
        report = await verify(deps.sessions, deps.cipher, deps.hasher)
    [finding] = report.findings  # the links after it are not reported: they prove nothing
    assert finding.kind == "chain_broken"
    assert finding.subject.startswith(f"audit_log #{edited} ")
    assert "does not match its contents" in finding.detail


async def test_a_deleted_audit_entry_breaks_the_link_after_it(own_deps):
    async with own_deps(KEY) as deps:
        await full_record(deps)
        ids = await _entry_ids(deps)
        await _bypassing_the_trigger(deps, "DELETE FROM audit_log WHERE id = :id", id=ids[1])
        report = await verify(deps.sessions, deps.cipher, deps.hasher)
    [finding] = report.findings
    assert finding.subject.startswith(f"audit_log #{ids[2]} ")
    assert finding.detail == f"its prev_hash does not match entry #{ids[0]}"
