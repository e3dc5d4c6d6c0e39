"""The retention sweep on shifted time: it removes exactly what expired, and says so."""

from __future__ import annotations

from dataclasses import asdict, fields
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from activities.retention import RetentionActivities
from activities.retention.contracts import RetentionRequest
from config.settings import Settings
from db import audit
from db.models import AuditEntry, Device, Notification, ProfitEventRow, RiskDecisionRow, User
from db.retention import RetentionPolicy

NOW = datetime(2030, 6, 1, 3, 0, tzinfo=UTC)
POLICY = RetentionPolicy(
    risk_decisions_days=365, ip_days=90, device_days=180, notifications_days=30
)


def test_each_period_is_read_from_its_setting() -> None:
    days = {f.name: 1000 + i for i, f in enumerate(fields(RetentionPolicy))}
    settings = Settings(**{f"retention_{name}": n for name, n in days.items()})
    assert asdict(RetentionPolicy.from_settings(settings)) == days


def _decision(deps, user: str, age: timedelta, n: int) -> RiskDecisionRow:
    return RiskDecisionRow(
        at=NOW - age,
        user_id=user,
        action="login",
        score=0,
        decision="allow",
        rules=[],
        reasons_enc=deps.cipher.encrypt_json([]),
        linked_users=[],
        ip_enc=deps.cipher.encrypt("203.0.113.1"),
        ip_hash=f"h{n}",
        device_fingerprint="dev_x",
        settings_version=1,
        idempotency_key=f"retention-test-{n}",
    )


async def test_a_run_on_shifted_time_removes_exactly_what_expired(own_deps):
    async with own_deps() as deps:
        day = timedelta(days=1)
        ages = {"old": 366 * day, "ip_old": 91 * day, "device_old": 181 * day, "fresh": 89 * day}
        async with deps.sessions.begin() as s:
            s.add(User(id="u_r"))
            await s.flush()
            for n, age in enumerate(ages.values()):
                s.add(_decision(deps, "u_r", age, n))
            s.add(
                Device(
                    fingerprint="dev_x",
                    user_id="u_r",
                    first_seen=NOW - 400 * day,
                    last_seen=NOW - 181 * day,
                )
            )
            s.add(
                Device(
                    fingerprint="dev_y",
                    user_id="u_r",
                    first_seen=NOW - 400 * day,
                    last_seen=NOW - 179 * day,
                )
            )
            for event_id, age in (("e_old", 91), ("e_new", 89)):
                body = {
                    "event_id": event_id,
                    "ip": "203.0.113.5",
                    "email": "a@b.co",
                    "device_fingerprint": "fp",
                    "reported_profit": "10.00",
                }
                s.add(
                    ProfitEventRow(
                        event_id=event_id,
                        user_id="u_r",
                        account_id="acc",
                        fingerprint="f",
                        body_enc=deps.cipher.encrypt_json(body),
                        received_at=NOW - age * day,
                        started_at=NOW - age * day,
                    )
                )
            for key, age, sent in (("n1", 31, True), ("n2", 29, True), ("n3", 31, False)):
                s.add(
                    Notification(
                        key=key,
                        event_id="e",
                        user_id="u_r",
                        stage="s",
                        template="reminder",
                        channel="email",
                        created_at=NOW - age * day,
                        sent_at=NOW if sent else None,
                    )
                )
        sweep = RetentionActivities(deps.sessions, deps.auditor, POLICY).sweep_retention
        swept = await sweep(RetentionRequest(as_of=NOW))
        assert (
            swept.risk_decisions_deleted,
            swept.ips_pseudonymised,
            swept.device_hashes_pseudonymised,
            swept.device_sightings_deleted,
            swept.notifications_deleted,
            swept.events_pseudonymised,
        ) == (1, 2, 1, 1, 1, 1)
        async with deps.sessions() as s:
            rows = {r.idempotency_key: r for r in await s.scalars(select(RiskDecisionRow))}
            assert sorted(rows) == ["retention-test-1", "retention-test-2", "retention-test-3"]
            ip_old, device_old, fresh = (rows[f"retention-test-{n}"] for n in (1, 2, 3))
            assert ip_old.ip_enc is None and ip_old.ip_hash is None
            assert ip_old.device_fingerprint == "dev_x"  # a device hash is kept longer
            assert device_old.device_fingerprint is None
            assert fresh.ip_enc is not None and fresh.device_fingerprint == "dev_x"
            assert sorted(await s.scalars(select(Device.fingerprint))) == ["dev_y"]
            assert sorted(await s.scalars(select(Notification.key))) == ["n2", "n3"]
            bodies = {
                e.event_id: deps.cipher.decrypt_json(e.body_enc)
                for e in await s.scalars(select(ProfitEventRow))
            }
            cleared = dict.fromkeys(("ip", "email", "device_fingerprint"))
            assert bodies["e_old"] == {"event_id": "e_old", "reported_profit": "10.00"} | cleared
            assert bodies["e_new"]["ip"] == "203.0.113.5"
            entries = await audit.entries_for(s, "retention")
            assert [e.action for e in entries] == ["retention.swept"]
            assert (await audit.details_of(s, deps.cipher, entries[0]))[
                "risk_decisions_deleted"
            ] == 1

        again = await sweep(RetentionRequest(as_of=NOW))  # the same run again: nothing more
        assert again.risk_decisions_deleted == again.notifications_deleted == 0
        async with deps.sessions() as s:
            assert await s.scalar(select(func.count()).select_from(AuditEntry)) == 1
