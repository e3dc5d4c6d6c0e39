"""Which standing changes the backend hears about: level, block, trust crossing 30."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.policy import TrustPolicy
from domain.standing_changes import Standing, changes, event_type, from_payload, payload

START = Standing.initial("u_1", TrustPolicy())


def moved(**fields: object) -> Standing:
    return Standing(**{**START.__dict__, **fields})


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (moved(enforcement_level=1), ["level_up"]),
        (moved(blocked=True), ["blocked"]),
        (moved(trust_score=29), ["trust_below_threshold"]),
        (moved(trust_score=30), []),  # 30 may still trade
        (moved(trust_score=45), []),  # a small move is not news
        (moved(trust_score=100), []),
        (moved(enforcement_level=3, trust_score=20), ["level_up", "trust_below_threshold"]),
    ],
)
def test_notable_changes_from_a_fresh_user(after: Standing, expected: list[str]) -> None:
    assert changes(START, after) == expected


def test_changes_back_are_news_too() -> None:
    low = moved(enforcement_level=4, trust_score=10, blocked=True)
    assert changes(low, START) == ["unblocked", "level_down", "trust_restored"]
    assert event_type(changes(low, START)) == "standing.unblocked"


def test_payload_says_what_the_standing_endpoint_says_and_round_trips() -> None:
    after = moved(enforcement_level=3, trust_score=25)
    at = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
    data = payload(after, changes(START, after), reason="day14-suspended", at=at)
    assert data == {
        "user_id": "u_1",
        "enforcement_level": 3,
        "level_name": "suspended",
        "can_trade": False,
        "can_access": True,
        "blocked": False,
        "trust_score": 25,
        "terms_accepted": True,
        "reasons": ["suspended", "trust_below_threshold"],
        "changes": ["level_up", "trust_below_threshold"],
        "reason": "day14-suspended",
        "at": "2026-12-04T10:00:00+00:00",
    }
    assert from_payload(data, 30) == after


def test_terms_not_accepted_stops_trading_and_is_news() -> None:
    unaccepted = moved(terms_accepted=False)
    assert not unaccepted.can_trade and unaccepted.reasons == ["terms_not_accepted"]
    assert changes(START, unaccepted) == ["terms_not_accepted"]
    assert changes(unaccepted, START) == ["terms_accepted"]


def test_the_configured_threshold_and_start_decide_the_standing():
    """min_to_trade 40 and start 60 from configuration, not the brief's 30 and 50."""
    policy = TrustPolicy(start=60, min_to_trade=40)
    start = Standing.initial("u_2", policy)
    assert (start.trust_score, start.min_trust, start.can_trade) == (60, 40, True)
    at_35 = Standing(**{**start.__dict__, "trust_score": 35})
    assert not at_35.can_trade and at_35.reasons == ["trust_below_threshold"]
    assert changes(start, at_35) == ["trust_below_threshold"]  # 35 is above the default 30
    published = payload(at_35, ["trust_below_threshold"], reason="r", at=datetime.now(UTC))
    assert from_payload(published, 40) == at_35
