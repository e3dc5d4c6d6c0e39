"""The per-process fraud-settings cache: trusted for its TTL, then one version check."""

from __future__ import annotations

import pytest

from db.risk.settings_cache import TTL_SECONDS, FraudSettingsCache
from domain.risk import DEFAULT_FRAUD_SETTINGS
from tests.support.risk import restore_default_fraud_settings, save_fraud_settings


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


def test_the_ttl_keeps_every_process_within_a_second():
    assert TTL_SECONDS <= 1


async def test_another_process_change_is_seen_after_the_ttl_not_before(deps, defaults):
    clock = Clock()
    cache = FraudSettingsCache(deps.sessions, ttl=0.5, clock=clock)
    first = await cache.current()
    assert first.settings == DEFAULT_FRAUD_SETTINGS

    # Saved by "another process": this cache has not been told.
    version = await save_fraud_settings(
        deps, DEFAULT_FRAUD_SETTINGS.model_copy(update={"alert_threshold": 30})
    )
    clock.now += 0.49
    assert (await cache.current()).version == first.version
    clock.now += 0.01
    seen = await cache.current()
    assert (seen.version, seen.settings.alert_threshold) == (version, 30)


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
