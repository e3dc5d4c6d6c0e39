"""A profit event's fingerprint: what makes a resend "the same event" (200) or another (409)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.models import ProfitEvent
from tests.support.scenario import profit_event

START = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
EVENT = profit_event("u_1", "acc_1", start=START, reported=Decimal("1000.00"))
BODY = EVENT.model_dump(mode="json")


def _respelled(**fields: object) -> ProfitEvent:
    return ProfitEvent.model_validate({**BODY, **fields})


def _hash_as_spelled(body: dict) -> str:
    """The fingerprint as it was computed before it was canonical (the spelling hashed)."""
    body = {k: v for k, v in body.items() if not (k == "email" and v is None)}
    return hashlib.sha256(
        json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()


@pytest.mark.parametrize("amount", ["1000.00", "1000.0", "1000", "1E+3", "1.000E3", "1000.000000"])
def test_an_amount_spelled_another_way_is_the_same_event(amount: str) -> None:
    assert _respelled(reported_profit=amount).fingerprint() == EVENT.fingerprint()


@given(st.integers(min_value=-14 * 60, max_value=14 * 60))
def test_the_same_instant_in_any_offset_is_the_same_event(minutes: int) -> None:
    zone = timezone(timedelta(minutes=minutes))
    moved = _respelled(
        session_start=START.astimezone(zone).isoformat(),
        session_end=datetime.fromisoformat(BODY["session_end"]).astimezone(zone).isoformat(),
    )
    assert moved.fingerprint() == EVENT.fingerprint()


@pytest.mark.parametrize(
    "changed",
    [
        {"reported_profit": "1000.01"},
        {"reported_profit": "1000.001"},  # finer than the cent, still another value
        {"session_start": (START + timedelta(seconds=1)).isoformat()},
        {"positions_count": 4},
    ],
)
def test_another_value_is_another_event(changed: dict) -> None:
    other = _respelled(**changed)
    assert other.fingerprint() != EVENT.fingerprint()
    assert not other.matches(EVENT.fingerprint())


def test_an_event_in_the_usual_spelling_fingerprints_as_it_always_did() -> None:
    assert EVENT.fingerprint() == _hash_as_spelled(BODY)


def test_an_event_recorded_with_its_spelling_hashed_still_matches_when_sent_again() -> None:
    sent = {**BODY, "reported_profit": "1000.5", "session_start": "2026-11-20T15:30:00+05:30"}
    recorded = _hash_as_spelled(ProfitEvent.model_validate(sent).model_dump(mode="json"))
    again = ProfitEvent.model_validate(sent)
    assert again.fingerprint() != recorded  # the canonical form differs from that spelling
    assert again.matches(recorded)
    assert not _respelled(reported_profit="1000.6").matches(recorded)
