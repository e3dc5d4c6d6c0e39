"""The policy is loaded from configuration, validated, and the defaults are the brief's."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError

from config.policy import load_policy


def test_the_defaults_are_the_product_brief():
    policy = load_policy({})
    assert policy.share.share_rate == Decimal("0.15")
    assert policy.share.early_discount == Decimal("0.05")
    assert policy.share.early_window == timedelta(days=3)
    assert policy.share.due_after == timedelta(days=7)
    assert policy.share.billing_places["USDT"] == 2
    assert policy.trust.start == 50


def test_figures_come_from_variables_and_a_file(tmp_path):
    path = tmp_path / "policy.json"
    path.write_text(
        json.dumps(
            {"share": {"share_rate": "0.12", "loyalty_rate": "0.11"}, "trust": {"start": 60}}
        )
    )
    policy = load_policy(
        {
            "PROFITSHARE_POLICY_FILE": str(path),
            "PROFITSHARE_POLICY_SHARE_EARLY_WINDOW": "P2D",
            "PROFITSHARE_POLICY_TRUST_START": "70",
            "PROFITSHARE_POLICY_SHARE_BILLING_PLACES": '{"USDT": 4}',
        }
    )
    assert policy.share.share_rate == Decimal("0.12")
    assert policy.share.early_window == timedelta(days=2)
    assert policy.trust.start == 70  # the variable wins over the file
    assert policy.share.billing_places == {"USDT": 4}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PROFITSHARE_POLICY_SHARE_SHARE_RATE", "1.5"),
        ("PROFITSHARE_POLICY_SHARE_LOYALTY_RATE", "0.2"),
        ("PROFITSHARE_POLICY_SHARE_EARLY_WINDOW", "P10D"),
        ("PROFITSHARE_POLICY_TRUST_START", "101"),
        ("PROFITSHARE_POLICY_SHARE_NO_SUCH", "1"),
    ],
)
def test_a_wrong_figure_stops_start_up(name, value):
    with pytest.raises((ValidationError, ValueError)):
        load_policy({name: value})


def test_an_unknown_section_is_refused():
    with pytest.raises(ValueError, match="names no policy field"):
        load_policy({"PROFITSHARE_POLICY_RATES_X": "1"})


def test_the_session_checks_figures_come_from_configuration():
    from domain.pnl import Reason, positions_count, verify_session
    from tests.support.fills import START_MS, fills_of

    policy = load_policy(
        {
            "PROFITSHARE_POLICY_VERIFICATION_TOLERANCE": "0.01",
            "PROFITSHARE_POLICY_VERIFICATION_MIN_DURATION_MINUTES": "10",
        }
    )
    checks = policy.verification.policy()
    assert (checks.tolerance, checks.min_duration_minutes) == (Decimal("0.01"), 10)
    fills = fills_of("BTC/USDT buy 100 1", "BTC/USDT sell 110 1")
    result = verify_session(
        fills=fills,
        reported_profit=Decimal("10.50"),  # 5 % off: within the brief's 0.05, not 0.01
        session_start_ms=START_MS,
        session_end_ms=START_MS + 7 * 60_000,  # 7 minutes: long enough by the brief's 5
        positions_count=positions_count(fills),
        policy=checks,
    )
    assert result.reasons == (Reason.SESSION_TOO_SHORT, Reason.REPORTED_PROFIT_MISMATCH)
