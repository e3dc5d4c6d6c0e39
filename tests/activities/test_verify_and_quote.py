"""VERIFY_AND_QUOTE (ShareWorkflowV4): the verification, then the FX rate the share will be
billed at when the exchange agreed; none when it did not; an unknown pair is not retried."""

from __future__ import annotations

from decimal import Decimal

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities import contracts as c
from activities.exchange.verify import ExchangeActivities
from activities.fx.fixed import FixedFxRates
from tests.support.scenario import profitable_session


def _activities(deps, emulator_url: str, billing: str | None) -> ExchangeActivities:
    return ExchangeActivities(
        deps.sessions,
        deps.auditor,
        base_url=emulator_url,
        fx=FixedFxRates(),
        billing_currency=billing,
    )


async def test_an_agreed_session_comes_back_with_its_rate(deps, emulator_url):
    event = await profitable_session(deps, emulator_url)
    acts = _activities(deps, emulator_url, "INR")
    verified = await ActivityEnvironment().run(acts.verify_and_quote, event)
    assert verified.verification.agreed and verified.verification.reasons == []
    assert verified.fx == c.FxQuote(base="USDT", billing_currency="INR", rate=Decimal("88.50"))


async def test_a_disputed_session_is_not_quoted(deps, emulator_url):
    event = await profitable_session(
        deps, emulator_url, profit=Decimal("400"), reported=Decimal("1000")
    )
    acts = _activities(deps, emulator_url, "INR")
    verified = await ActivityEnvironment().run(acts.verify_and_quote, event)
    assert verified.verification.reasons and verified.fx is None  # quoted when recorded


async def test_an_unknown_pair_is_not_retried(deps, emulator_url):
    event = await profitable_session(deps, emulator_url)
    acts = _activities(deps, emulator_url, "XAU")
    with pytest.raises(ApplicationError) as raised:
        await ActivityEnvironment().run(acts.verify_and_quote, event)
    assert raised.value.type == c.FX_RATE_UNKNOWN and raised.value.non_retryable
