"""Trust moves with account age and API-key consistency; trusted users' review limit."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.policy import (
    TrustPolicy,
    effective_trust,
    review_limit_for,
    trust_signals,
)

P = TrustPolicy()  # the brief's figures


@pytest.mark.parametrize(
    ("age", "keys", "sessions", "expected"),
    [
        (0, 0, 0, {}),
        (29, 1, 4, {}),  # too young, too few sessions for consistency
        (30, 1, 4, {"account_age": 1}),
        (400, 1, 5, {"account_age": 10, "consistent_api_key": 5}),  # age capped at +10
        (60, 2, 50, {"account_age": 2}),  # two keys: neither consistent nor churn
        (0, 3, 50, {"api_key_churn": -5}),
    ],
)
def test_signals(age: int, keys: int, sessions: int, expected: dict[str, int]) -> None:
    assert trust_signals(P, account_age_days=age, api_keys=keys, sessions=sessions) == expected


@given(
    st.integers(0, 100),
    st.integers(0, 5000),
    st.integers(0, 10),
    st.integers(0, 1000),
)
def test_effective_trust_stays_in_range_and_moves_at_most_15(score, age, keys, sessions) -> None:
    signals = trust_signals(P, account_age_days=age, api_keys=keys, sessions=sessions)
    moved = effective_trust(score, signals)
    assert 0 <= moved <= 100 and -5 <= moved - score <= 15


def test_trusted_users_get_a_higher_review_limit() -> None:
    base = Decimal("10000")
    assert review_limit_for(base, 79, P) == base
    assert review_limit_for(base, 80, P) == Decimal("20000")
