"""The audit data key is read once per database and process, never once per audited change;
a key made in a transaction that rolls back is never used afterwards."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import event, func, select

from db import audit
from db.audited import audited
from db.models import AuditEntry, AuditKey


class _Rollback(Exception):
    pass


async def _write(deps, subject: str) -> None:
    async with audited(deps.sessions, deps.auditor, actor="system:test", partition=subject) as a:
        await a.record("test.written", subject=subject, key=uuid.uuid4().hex, details={"n": 1})


def _key_reads(deps) -> list[str]:
    seen: list[str] = []

    @event.listens_for(deps.engine.sync_engine, "before_cursor_execute")
    def _count(conn, cursor, statement, *args) -> None:
        if "FROM audit_keys" in statement:
            seen.append(statement)

    return seen


async def test_the_data_key_is_read_once_for_many_changes(own_deps):
    async with own_deps() as deps:
        reads = _key_reads(deps)
        for _ in range(2):  # the first makes the key, the second reads it committed
            await _write(deps, f"u_{uuid.uuid4().hex[:8]}")
        known = len(reads)
        for _ in range(3):
            await _write(deps, f"u_{uuid.uuid4().hex[:8]}")
        assert len(reads) == known > 0
        async with deps.sessions() as s:
            assert await s.scalar(select(func.count()).select_from(AuditKey)) == 1


async def test_a_key_made_in_a_rolled_back_change_is_not_used_later(own_deps):
    async with own_deps() as deps:
        with pytest.raises(_Rollback):
            async with audited(
                deps.sessions, deps.auditor, actor="system:test", partition="u_first"
            ) as a:
                await a.record("test.written", subject="u_first", key=uuid.uuid4().hex)
                raise _Rollback
        await _write(deps, "u_second")  # would fail its foreign key on the vanished key
        async with deps.sessions() as s:
            entry = await s.scalar(select(AuditEntry).where(AuditEntry.subject == "u_second"))
            assert entry is not None
            assert await audit.details_of(s, deps.cipher, entry) == {"n": 1}
