"""The per-process fraud-settings cache: checked beside the assessments after half a second,
before them after a second; never older than that."""

from __future__ import annotations

import asyncio

import pytest

from db.risk.settings_cache import TRUSTED_FOR, FraudSettingsCache
from domain.risk import DEFAULT_FRAUD_SETTINGS
from tests.support.risk import restore_default_fraud_settings, save_fraud_settings
from tests.support.statements import statements


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def defaults(deps):
    await restore_default_fraud_settings(deps)
    yield
    await restore_default_fraud_settings(deps)


def test_nothing_older_than_a_second_is_used():
    assert TRUSTED_FOR <= 1


async def saved_elsewhere(deps) -> int:
    """A new version saved by "another process": the cache under test has not been told."""
    return await save_fraud_settings(
        deps, DEFAULT_FRAUD_SETTINGS.model_copy(update={"alert_threshold": 30})
    )


async def test_an_idle_process_waits_for_the_check_after_a_second(deps, defaults):
    clock = Clock()
    cache = FraudSettingsCache(deps.sessions, refresh_after=0.5, trusted_for=1.0, clock=clock)
    first = await cache.current()
    assert first.settings == DEFAULT_FRAUD_SETTINGS

    version = await saved_elsewhere(deps)
    clock.now += 0.49
    assert (await cache.current()).version == first.version  # trusted, not checked
    await cache.settled()
    assert (await cache.current()).version == first.version
    clock.now += 0.51
    seen = await cache.current()  # a second old: checked before it answers
    assert (seen.version, seen.settings.alert_threshold) == (version, 30)


async def test_past_half_a_second_the_check_runs_beside_the_assessment(deps, defaults):
    clock = Clock()
    cache = FraudSettingsCache(deps.sessions, refresh_after=0.5, trusted_for=1.0, clock=clock)
    first = await cache.current()
    version = await saved_elsewhere(deps)
    clock.now += 0.5
    # Answered from what is held, without a round trip; the check is started, not awaited.
    assert (await cache.current()).version == first.version
    await cache.settled()
    assert (await cache.current()).version == version


async def test_a_check_begun_before_an_invalidation_does_not_vouch_for_what_it_read(deps, defaults):
    clock = Clock()
    cache = FraudSettingsCache(deps.sessions, refresh_after=0.5, trusted_for=1.0, clock=clock)
    await cache.current()
    clock.now += 0.5
    await cache.current()  # a check starts beside, and reads the version in force now
    version = await saved_elsewhere(deps)  # ... saved here, as the admin route does:
    cache.invalidate()
    await asyncio.sleep(0)
    assert (await cache.current()).version == version
    await cache.settled()
    assert (await cache.current()).version == version


async def test_a_failed_check_beside_leaves_the_next_past_a_second_to_check(deps, defaults):
    clock = Clock()
    cache = FraudSettingsCache(deps.sessions, refresh_after=0.5, trusted_for=1.0, clock=clock)
    first = await cache.current()

    def unreachable():
        raise ConnectionError("postgres away")

    real, cache._sessions = cache._sessions, unreachable
    clock.now += 0.6
    assert await cache.current() is first
    await cache.settled()  # logged, not raised
    assert await cache.current() is first  # still within the second
    clock.now += 0.5
    with pytest.raises(ConnectionError):
        await cache.current()
    cache._sessions = real
    assert (await cache.current()).version == first.version


async def test_a_change_in_this_process_applies_at_once(deps, defaults):
    cache = FraudSettingsCache(deps.sessions, clock=Clock())
    await cache.current()
    version = await save_fraud_settings(
        deps, DEFAULT_FRAUD_SETTINGS.model_copy(update={"vpn_blocks": True})
    )
    cache.invalidate()
    assert (await cache.current()).version == version


async def test_an_unchanged_version_keeps_the_document(deps, defaults):
    clock = Clock()
    cache = FraudSettingsCache(deps.sessions, clock=clock)
    first = await cache.current()
    clock.now += 10
    assert await cache.current() is first  # checked, same version: not reloaded


async def test_a_check_runs_outside_a_transaction(deps, defaults):
    # No transaction, so no ROLLBACK after it: a rollback makes psycopg forget every
    # statement prepared on the connection (tests/db/test_engine.py), the assessments' too.
    clock = Clock()
    cache = FraudSettingsCache(deps.sessions, refresh_after=0.5, trusted_for=1.0, clock=clock)
    await cache.current()
    await saved_elsewhere(deps)
    clock.now += 1.0
    with statements() as seen:
        assert (await cache.current()).settings.alert_threshold == 30
    assert seen and not any(in_transaction for _, in_transaction in seen), seen
