"""An audit entry is one statement: the entry inserted and its chain's head moved together,
and a copy (the same key, or the older form of it) neither adds an entry nor moves the head."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from db.audit import chain_of
from db.audited import audited
from db.models import AuditChain, AuditEntry
from tests.support.statements import statements


async def _write(deps, user_id: str, key: str, *, unless_key: str | None = None) -> bool:
    async with audited(deps.sessions, deps.auditor, actor="system:test", partition=user_id) as a:
        return await a.record(
            "test.written", subject=f"user/{user_id}", key=key, unless_key=unless_key
        )


async def _head(deps, user_id: str) -> tuple[int, str]:
    async with deps.sessions() as s:
        row = (
            await s.execute(
                select(AuditChain.length, AuditChain.head_hash).where(
                    AuditChain.chain == chain_of(user_id)
                )
            )
        ).one()
    return row.length, row.head_hash


async def _entries(deps, key: str) -> int:
    async with deps.sessions() as s:
        found = await s.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.idempotency_key == key)
        )
    return found or 0


async def test_an_entry_is_one_statement_after_the_chains_lock(deps):
    user_id = f"u_{uuid.uuid4().hex[:10]}"
    with statements() as seen:
        assert await _write(deps, user_id, uuid.uuid4().hex)
    # The head locked, then the entry and the head's move together; the audit data key is
    # read once per process and may be among them.
    written = [sql for sql, _ in seen if "audit_keys" not in sql]
    assert len(written) == 2, written
    assert "FOR UPDATE" in written[0]
    assert "INSERT INTO audit_log" in written[1] and "UPDATE audit_chains" in written[1]


async def test_a_copy_adds_nothing_and_leaves_the_head_on_the_first(deps):
    user_id, key = f"u_{uuid.uuid4().hex[:10]}", uuid.uuid4().hex
    assert await _write(deps, user_id, key)
    head = await _head(deps, user_id)
    assert not await _write(deps, user_id, key)
    assert await _head(deps, user_id) == head
    assert await _entries(deps, key) == 1


async def test_an_entry_under_the_older_form_of_the_key_stops_the_new_one(deps):
    user_id, older = f"u_{uuid.uuid4().hex[:10]}", uuid.uuid4().hex
    assert await _write(deps, user_id, older)
    head = await _head(deps, user_id)
    newer = f"{older}-new"
    assert not await _write(deps, user_id, newer, unless_key=older)
    assert await _head(deps, user_id) == head
    assert await _entries(deps, newer) == 0
    # With no older entry the same call writes, and the head moves to it.
    assert await _write(deps, user_id, newer, unless_key=f"{older}-never")
    length, _ = await _head(deps, user_id)
    assert length == head[0] + 1
