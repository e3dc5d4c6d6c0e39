"""Tamper evidence: rows changed behind the application's back are found and named."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DBAPIError

from db import standing, tokens
from db.anchor import anchor_heads
from db.audit import Actor, legacy_hash
from db.audited import audited, audited_in
from db.integrity import ChainHead, verify
from db.models import ApiToken, AuditEntry, FraudSettingsRow, Payment, User
from domain.risk import DEFAULT_FRAUD_SETTINGS
from tests.support.records import full_record
from tests.support.risk import save_fraud_settings

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


async def _bypassing_the_trigger(deps, *statements: tuple[str, dict]) -> None:
    """What only the table's owner can do: switch the append-only trigger off meanwhile."""
    async with deps.sessions.begin() as s:
        await s.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
        for statement, params in statements:
            await s.execute(text(statement), params)
        await s.execute(text("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only"))


async def _chain_of(deps, event_id: str) -> list[AuditEntry]:
    """The entries of the chain the share's entries are in, in chain order."""
    async with deps.sessions() as s:
        chain = await s.scalar(select(AuditEntry.chain).where(AuditEntry.subject == event_id))
        rows = await s.scalars(
            select(AuditEntry).where(AuditEntry.chain == chain).order_by(AuditEntry.chain_seq)
        )
        return list(rows)


async def _anchor(deps) -> dict[int, ChainHead]:
    """What the scheduled anchor would have taken outside the database at this moment."""
    async with deps.sessions() as s:
        return {h.chain: h for h in await anchor_heads(s)}


def _forged_hash(entry: AuditEntry, prev_hash: str) -> str:
    """Re-hashing as a database owner can: any key but HASH_KEY's (here the old plain scheme)."""
    entry.prev_hash = prev_hash
    return legacy_hash(entry)


async def test_an_edited_audit_entry_is_the_first_broken_link(own_deps):
    async with own_deps(KEY) as deps:
        event = await full_record(deps)
        entries = await _chain_of(deps, event.event_id)
        edited = entries[len(entries) // 2]
        await _bypassing_the_trigger(
            deps, ("UPDATE audit_log SET actor = 'admin' WHERE id = :id", {"id": edited.id})
        )
        report = await verify(deps.sessions, deps.cipher, deps.hasher)
    [finding] = report.findings  # the links after it are not reported: they prove nothing
    assert finding.kind == "chain_broken"
    assert finding.subject.startswith(f"audit_log #{edited.id} ")
    assert "does not match its contents" in finding.detail


async def test_a_rewritten_and_rehashed_chain_is_caught_at_the_rewritten_entry(own_deps):
    async with own_deps(KEY) as deps:
        event = await full_record(deps)
        entries = await _chain_of(deps, event.event_id)
        edited = entries[1]
        edited.actor = "admin"
        # The owner rewrites one entry and re-hashes every link after it and the head row.
        statements, prev = [], entries[0].entry_hash
        for entry in entries[1:]:
            new = _forged_hash(entry, prev)
            statements.append(
                (
                    "UPDATE audit_log SET actor = :actor, prev_hash = :prev, entry_hash = :h"
                    " WHERE id = :id",
                    {"actor": entry.actor, "prev": prev, "h": new, "id": entry.id},
                )
            )
            prev = new
        statements.append(
            (
                "UPDATE audit_chains SET head_hash = :h WHERE chain = :c",
                {"h": prev, "c": edited.chain},
            )
        )
        await _bypassing_the_trigger(deps, *statements)
        report = await verify(deps.sessions, deps.cipher, deps.hasher)
    [finding] = report.findings
    assert finding.subject.startswith(f"audit_log #{edited.id} ")
    assert "does not match its contents" in finding.detail


async def test_a_deleted_audit_entry_breaks_the_link_after_it(own_deps):
    async with own_deps(KEY) as deps:
        event = await full_record(deps)
        entries = await _chain_of(deps, event.event_id)
        await _bypassing_the_trigger(
            deps, ("DELETE FROM audit_log WHERE id = :id", {"id": entries[1].id})
        )
        report = await verify(deps.sessions, deps.cipher, deps.hasher)
    [finding] = report.findings
    assert finding.subject.startswith(f"audit_log #{entries[2].id} ")
    assert finding.detail == f"it is at position 3 of chain {entries[2].chain}, expected 2"


async def test_reordered_audit_entries_are_caught(own_deps):
    async with own_deps(KEY) as deps:
        event = await full_record(deps)
        first, second = (await _chain_of(deps, event.event_id))[1:3]
        # Swap two entries' places (and predecessors) in the chain.
        swap = ("UPDATE audit_log SET chain_seq = :seq, prev_hash = :prev WHERE id = :id",)[0]
        await _bypassing_the_trigger(
            deps,
            (
                "UPDATE audit_log SET chain_seq = -chain_seq WHERE id IN (:a, :b)",
                {"a": first.id, "b": second.id},
            ),
            (swap, {"seq": first.chain_seq, "prev": first.prev_hash, "id": second.id}),
            (swap, {"seq": second.chain_seq, "prev": second.entry_hash, "id": first.id}),
        )
        report = await verify(deps.sessions, deps.cipher, deps.hasher)
    [finding] = report.findings
    assert finding.subject.startswith(f"audit_log #{second.id} ")
    assert "does not match its contents" in finding.detail


async def _cut_tail(deps, entries: list[AuditEntry], kept: list[AuditEntry]) -> None:
    """What the owner does to cut a chain's tail unseen in the database: the entries after
    `kept` deleted (trigger bypassed), the head row made to agree with the last one kept."""
    gone = [entry.id for entry in entries[len(kept) :]]
    await _bypassing_the_trigger(
        deps,
        ("DELETE FROM audit_log WHERE id = ANY(:ids)", {"ids": gone}),
        (
            "UPDATE audit_chains SET length = :n, head_hash = :h WHERE chain = :c",
            {"n": len(kept), "h": kept[-1].entry_hash, "c": kept[-1].chain},
        ),
    )


async def test_a_truncated_chain_is_caught_against_the_last_anchor(own_deps):
    async with own_deps(KEY) as deps:
        event = await full_record(deps)
        anchor = await _anchor(deps)
        entries = await _chain_of(deps, event.event_id)
        kept = entries[:-2]
        # The owner cuts the tail and makes the head row agree: nothing left in the database
        # shows it, only the anchor kept outside does.
        await _cut_tail(deps, entries, kept)
        unanchored = await verify(deps.sessions, deps.cipher, deps.hasher)
        report = await verify(deps.sessions, deps.cipher, deps.hasher, anchors=[anchor])
    assert unanchored.ok  # without the anchor a cut tail looks like a shorter chain
    [finding] = report.findings
    assert finding.kind == "chain_truncated"
    assert finding.subject == f"audit chain {kept[-1].chain}"
    assert f"an anchor saw {len(entries)}" in finding.detail


async def test_a_cut_tail_is_still_caught_after_an_anchor_of_the_cut_chain(own_deps):
    """The anchor taken next copies the cut chain; the one before it still shows the cut, so
    verify checks every anchor kept, not the newest only."""
    async with own_deps(KEY) as deps:
        event = await full_record(deps)
        before = await _anchor(deps)
        entries = await _chain_of(deps, event.event_id)
        kept = entries[:-1]
        await _cut_tail(deps, entries, kept)
        after = await _anchor(deps)  # ten minutes later: the cut chain, as it now stands
        newest_only = await verify(deps.sessions, deps.cipher, deps.hasher, anchors=[after])
        report = await verify(deps.sessions, deps.cipher, deps.hasher, anchors=[after, before])
    assert newest_only.ok
    [finding] = report.findings
    assert (finding.kind, finding.subject) == ("chain_truncated", f"audit chain {kept[-1].chain}")


async def test_a_chain_rewritten_and_grown_back_past_an_anchor_is_caught(own_deps):
    """Cut after an anchor and grown back past its length: no anchor is longer than the chain,
    but the entry at the anchored position is not the one the anchor saw."""
    async with own_deps(KEY) as deps:
        event = await full_record(deps)
        entries = await _chain_of(deps, event.event_id)
        before = await _anchor(deps)
        await _cut_tail(deps, entries, entries[:-1])
        # The application appends to the chain again: new, valid entries at the cut positions.
        actor = Actor("system", name="test")
        async with (
            deps.sessions.begin() as s,
            audited_in(s, deps.auditor, actor=actor, partition=event.user_id) as a,
        ):
            for n in range(3):
                await a.record(
                    "test.regrown", subject=event.event_id, key=f"regrow:{n}:{event.event_id}"
                )
        report = await verify(deps.sessions, deps.cipher, deps.hasher, anchors=[before])
    assert [f.kind for f in report.findings] == ["chain_broken"], report.findings
    assert report.findings[0].detail == f"position {len(entries)} is not the entry an anchor saw"


async def test_a_cut_tail_is_caught_by_the_head_row_when_it_was_left_alone(own_deps):
    async with own_deps(KEY) as deps:
        event = await full_record(deps)
        last = (await _chain_of(deps, event.event_id))[-1]
        await _bypassing_the_trigger(
            deps, ("DELETE FROM audit_log WHERE id = :id", {"id": last.id})
        )
        report = await verify(deps.sessions, deps.cipher, deps.hasher)
    [finding] = report.findings
    assert (finding.kind, finding.subject) == ("chain_truncated", f"audit chain {last.chain}")


async def test_an_anchor_taken_earlier_still_verifies_a_longer_chain(own_deps):
    async with own_deps(KEY) as deps:
        await full_record(deps)
        anchor = await _anchor(deps)
        await full_record(deps)
        report = await verify(deps.sessions, deps.cipher, deps.hasher, anchors=[anchor])
    assert report.ok, report.findings


async def _tokens_and_settings(deps) -> int:
    """A revoked token and a saved fraud-settings version; returns the token's id."""
    issued = await tokens.issue(deps.sessions, deps.auditor, "ops", "test")
    await tokens.withdraw(deps.sessions, deps.auditor, issued.id)
    await save_fraud_settings(deps, DEFAULT_FRAUD_SETTINGS, "sealed")
    return issued.id


@pytest.mark.parametrize(
    ("statement", "kind", "subject"),
    [
        ("UPDATE users SET blocked = false, trust_score = 100 WHERE id = :user", "user_changed",
         "user {user}"),
        ("UPDATE users SET seal = NULL WHERE id = :user", "user_unsealed", "user {user}"),
        ("UPDATE payments SET amount_enc = :cheap WHERE event_id = :event", "payment_changed",
         "payment standard:{txn}"),
        # Un-revoked: the seal breaks, and the audit log said it was revoked (db/log_agreement.py).
        ("UPDATE api_tokens SET revoked_at = NULL WHERE id = :token",
         "api_token_changed+api_token_unrevoked", "token #{token}"),
        ("UPDATE fraud_settings SET document = jsonb_set(document, '{block_threshold}', '99')",
         "fraud_settings_changed", "fraud settings v1"),
    ],
)  # fmt: skip
async def test_standing_payments_tokens_and_fraud_settings_are_sealed(
    own_deps, statement, kind, subject
):
    async with own_deps(KEY) as deps:
        event = await full_record(deps)
        token = await _tokens_and_settings(deps)
        assert (await verify(deps.sessions, deps.cipher, deps.hasher)).ok
        async with deps.sessions() as s:
            txn = await s.scalar(
                select(Payment.transaction_id).where(Payment.event_id == event.event_id)
            )
        names = {"user": event.user_id, "event": event.event_id, "token": token, "txn": txn}
        async with deps.sessions.begin() as s:
            await s.execute(text(statement), {**names, "cheap": deps.cipher.encrypt("0.01")})
        report = await verify(deps.sessions, deps.cipher, deps.hasher)
    expected = [(each, subject.format(**names)) for each in kind.split("+")]
    assert [(f.kind, f.subject) for f in report.findings] == expected


async def test_sealed_rows_put_back_or_deleted_disagree_with_the_audit_log(own_deps):
    """A seal cannot tell an older copy of a row from the newest: a revoked token and an
    unblocked user put back from before, and the newest settings version deleted, each pass
    their seal checks. What the append-only log last says of them does not."""
    async with own_deps(KEY) as deps:
        issued = await tokens.issue(deps.sessions, deps.auditor, "admin", "test")
        user_id = f"u_{uuid.uuid4().hex[:10]}"
        async with deps.sessions.begin() as s:
            await standing.ensure_user(s, deps.hasher, user_id, deps.policy.trust)
        async with deps.sessions() as s:
            token_seal = await s.scalar(select(ApiToken.seal).where(ApiToken.id == issued.id))
            user_seal = await s.scalar(select(User.seal).where(User.id == user_id))
        await tokens.withdraw(deps.sessions, deps.auditor, issued.id)
        async with audited(
            deps.sessions, deps.auditor, actor=Actor("system", name="test"), partition=user_id
        ) as a:
            await standing.set_blocked(
                a, user_id, blocked=True, reason="test", at=datetime.now(UTC)
            )
        await save_fraud_settings(deps, DEFAULT_FRAUD_SETTINGS, "first")
        newest = await save_fraud_settings(deps, DEFAULT_FRAUD_SETTINGS, "second")
        assert (await verify(deps.sessions, deps.cipher, deps.hasher)).ok

        async with deps.sessions.begin() as s:  # the older copies, their seals still valid
            await s.execute(
                update(ApiToken)
                .where(ApiToken.id == issued.id)
                .values(revoked_at=None, seal=token_seal)
            )
            await s.execute(
                update(User).where(User.id == user_id).values(blocked=False, seal=user_seal)
            )
            await s.execute(delete(FraudSettingsRow).where(FraudSettingsRow.version == newest))
        report = await verify(deps.sessions, deps.cipher, deps.hasher)
    assert sorted((f.kind, f.subject) for f in report.findings) == [
        ("api_token_unrevoked", f"token #{issued.id}"),
        ("fraud_settings_missing", f"fraud settings v{newest}"),
        ("user_changed", f"user {user_id}"),
    ]
