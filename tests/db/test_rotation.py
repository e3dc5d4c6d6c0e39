"""Key rotation: written under key 1, rotated to key 2, key 1 removed, everything still reads."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import psycopg
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import select

from activities import contracts as c
from db.audit import details_of, entries_for
from db.crypto import FieldCipher
from db.integrity import verify
from db.models import UNDER_USER_KEY, Base, Share
from db.rotation import encrypted_columns, rotate_all
from db.shares import load_view
from domain.models import PaymentSignal
from runtime.deps import Deps
from tests.support.payments import record_payment
from tests.support.records import PAID, PROFIT, full_record, ledger, share_row

KEY_1, KEY_2 = Fernet.generate_key().decode(), Fernet.generate_key().decode()


async def _values_per_column(deps: Deps) -> tuple[Counter[str], list[str]]:
    """How many values each encrypted column holds, and which ones `deps.cipher` cannot read."""
    present: Counter[str] = Counter()
    unreadable = []
    async with deps.sessions() as s:
        for table, columns in encrypted_columns():
            for row in (await s.execute(select(*columns))).all():
                for column, token in zip(columns, row, strict=True):
                    if token is None:
                        continue
                    name = f"{table.name}.{column.name}"
                    present[name] += 1
                    try:
                        deps.cipher.decrypt(token)
                    except InvalidToken:
                        unreadable.append(name)
    return present, unreadable


async def test_rotated_to_key_2_everything_reads_without_key_1(own_deps):
    async with own_deps(KEY_1) as old:
        events = [await full_record(old) for _ in range(3)]

    async with own_deps(KEY_2, KEY_1) as rotating:
        # Batches of two rows: every table needs several, so paging is exercised too.
        first = await rotate_all(rotating.sessions, rotating.cipher, batch_rows=2)
        second = await rotate_all(rotating.sessions, rotating.cipher, batch_rows=2)

    rotated = {r.table: r.rotated for r in first}
    for table in (
        "users",
        "exchange_accounts",
        "profit_events",
        "shares",
        "payments",
        "payment_proofs",
        "disputes",
    ):
        assert rotated[table] > 0, table
    assert rotated["audit_keys"] == 1  # the audit log itself is re-keyed by re-wrapping its key
    assert sum(r.rotated for r in second) == 0, "a second run must find nothing to do"
    assert sum(r.unreadable for r in first) == 0

    async with own_deps(KEY_2) as new:
        present, unreadable = await _values_per_column(new)
        assert unreadable == []
        assert {
            "users.carried_losses_enc",
            "exchange_accounts.api_secret_enc",
            "profit_events.body_enc",
            "shares.amount_due_enc",
            "payments.amount_enc",
            "payment_proofs.note_enc",
            "disputes.reason_enc",
            "audit_keys.key_enc",
        } <= set(present)
        async with new.sessions() as s:
            for event in events:
                view = await load_view(s, new.cipher, event.event_id)
                assert (view.reported_profit, view.amount_paid) == (PROFIT, PAID)
                assert view.payments[0].amount == PAID
                recorded = next(
                    e for e in await entries_for(s, event.event_id) if e.action == "share.recorded"
                )
                assert (await details_of(s, new.cipher, recorded))["rate"] == "0.15"
        # Rotation rewrote ciphertext, not records: every seal and the chain still hold.
        assert (await verify(new.sessions, new.cipher, new.hasher)).ok


async def test_rotation_while_the_application_writes_loses_nothing(own_deps):
    async with own_deps(KEY_1) as old:
        events = [await full_record(old) for _ in range(4)]

    async with own_deps(KEY_2, KEY_1) as app:
        books = ledger(app, high_water_mark=True)

        async def pay_more(event_id: str, user_id: str) -> None:
            share = await share_row(app, event_id)
            due = app.cipher.decrypt_decimal(share.amount_due_enc)
            at = share.recorded_at + timedelta(hours=1)
            payment = PaymentSignal(
                provider="standard",
                transaction_id=f"second-{event_id}",
                amount=Decimal("5.00"),
                currency="USDT",
                paid_at=at,
            )
            await record_payment(app, event_id, payment)
            await books.apply_payment(
                c.ApplyPaymentInput(
                    event_id=event_id,
                    user_id=user_id,
                    payment=payment,
                    amount_paid=PAID + 5,
                    amount_due=due - 5,
                    credit=Decimal(0),
                    settled=False,
                    discounted=False,
                    at=at,
                )
            )

        # Row by row, so the payments interleave with the batches; writers use key 2 already.
        await asyncio.gather(
            rotate_all(app.sessions, app.cipher, batch_rows=1),
            *(pay_more(e.event_id, e.user_id) for e in events),
        )

    async with own_deps(KEY_2) as new:
        assert (await _values_per_column(new))[1] == []
        for event in events:
            share = await share_row(new, event.event_id)
            assert new.cipher.decrypt_decimal(share.amount_paid_enc) == PAID + 5
        assert (await verify(new.sessions, new.cipher, new.hasher)).ok


async def test_a_value_under_an_unknown_key_is_reported_and_left_alone(own_deps):
    async with own_deps(KEY_1) as old:
        event = await full_record(old)
    stranger = FieldCipher([Fernet.generate_key().decode()])
    async with own_deps(KEY_2, KEY_1) as rotating:
        async with rotating.sessions.begin() as s:
            share = await s.get_one(Share, event.event_id)
            share.credit_enc = stranger.encrypt("1.00")  # written with a key nobody configured
        results = await rotate_all(rotating.sessions, rotating.cipher)
        assert {r.table: r.unreadable for r in results}["shares"] == 1
        share = await share_row(rotating, event.event_id)
    assert stranger.decrypt(share.credit_enc) == "1.00"


def test_every_ciphertext_column_in_the_schema_is_declared_for_rotation(database_url):
    """A table added by a migration joins rotation only by declaring `encrypted()` columns."""
    declared = {f"{t.name}.{col.name}" for t, cols in encrypted_columns() for col in cols}
    with psycopg.connect(database_url.replace("+psycopg", "")) as conn:
        found = {
            f"{table}.{column}"
            for table, column in conn.execute(
                "SELECT table_name, column_name FROM information_schema.columns "
                "WHERE table_schema = 'public' AND column_name LIKE '%\\_enc'"
            )
        }
    # The audit log can never be rewritten: its details are under a data key that is rotated.
    # Personal fields are under their user's data key (erasure destroys it), rotated likewise.
    per_user = {
        f"{t.name}.{c.name}"
        for t in Base.metadata.tables.values()
        for c in t.columns
        if c.info.get(UNDER_USER_KEY)
    }
    assert per_user >= {"payment_proofs.screenshot_enc", "risk_decisions.email_enc"}
    assert found - declared == {"audit_log.details_enc"} | per_user
    assert declared <= found
