"""CREATE_PAYMENT_LINK against the Razorpay emulator: amounts in paise, the reference on the
link, the same link however often Temporal runs the activity, and refusals not retried."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest
from fastapi import FastAPI
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.payments.contracts import (
    PAYMENT_LINK_REFUSED,
    ClosePaymentLinkInput,
    CreatePaymentLinkInput,
    PaymentLink,
)
from activities.payments.links import PaymentLinkActivities
from activities.payments.razorpay_links import RazorpayLinks, minor_units
from emulators.razorpay import create_app
from emulators.serve import serving

KEY_ID, KEY_SECRET = "rzp_test_links", "links_secret"
NOW = datetime.now(UTC)


@pytest.fixture(scope="module")
async def gateway() -> AsyncIterator[tuple[FastAPI, str]]:
    app = create_app(key_id=KEY_ID, key_secret=KEY_SECRET)
    async with serving(app) as url:
        yield app, url


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


def activities(http, url: str, *, secret: str = KEY_SECRET) -> PaymentLinkActivities:
    links = RazorpayLinks(http, key_id=KEY_ID, key_secret=secret, base_url=url)
    return PaymentLinkActivities(links, valid_for=timedelta(days=90), clock=lambda: NOW)


def share(reference: str, amount: str = "13275.00") -> CreatePaymentLinkInput:
    return CreatePaymentLinkInput(
        event_id=f"evt_{reference}",
        payment_reference=reference,
        amount=Decimal(amount),
        currency="INR",
        description="Platform share of session s_9",
    )


async def create(acts: PaymentLinkActivities, cmd: CreatePaymentLinkInput) -> PaymentLink | None:
    return await ActivityEnvironment().run(acts.create_payment_link, cmd)


def test_amounts_go_to_razorpay_in_the_currency_minor_unit() -> None:
    assert minor_units(Decimal("132.75"), "INR") == 13275
    assert minor_units(Decimal("132.7"), "INR") == 13270
    assert minor_units(Decimal("1500"), "JPY") == 1500
    assert minor_units(Decimal("1.234"), "KWD") == 1234
    assert minor_units(Decimal("0.00448500"), "ETH") == 448500


async def test_the_link_carries_amount_reference_and_expiry(gateway, http) -> None:
    app, url = gateway
    link = await create(activities(http, url), share("PSLINK000001", "132.75"))
    assert link is not None
    stored = app.state.links[link.link_id]
    assert link.url == stored["short_url"]
    assert (stored["amount"], stored["currency"]) == (13275, "INR")
    assert stored["reference_id"] == "PSLINK000001"
    assert stored["notes"] == {"payment_reference": "PSLINK000001", "event_id": "evt_PSLINK000001"}
    assert stored["expire_by"] == int((NOW + timedelta(days=90)).timestamp())


async def test_running_the_activity_again_returns_the_same_link(gateway, http) -> None:
    app, url = gateway
    acts = activities(http, url)
    first = await create(acts, share("PSLINK000002"))
    again = await create(acts, share("PSLINK000002"))
    assert again == first
    assert [v["reference_id"] for v in app.state.links.values()].count("PSLINK000002") == 1


async def test_a_lost_answer_is_recovered_by_the_retry(gateway, http) -> None:
    app, url = gateway
    acts = activities(http, url)
    app.state.lose_responses = 1  # Razorpay makes the link, the answer never arrives
    with pytest.raises(httpx.HTTPStatusError):
        await create(acts, share("PSLINK000003"))
    (made,) = [v for v in app.state.links.values() if v["reference_id"] == "PSLINK000003"]
    retried = await create(acts, share("PSLINK000003"))
    assert retried == PaymentLink(url=made["short_url"], link_id=made["id"])


async def test_a_refusal_is_not_retried(gateway, http) -> None:
    _, url = gateway
    with pytest.raises(ApplicationError) as refused:
        await create(activities(http, url, secret="wrong"), share("PSLINK000004"))
    assert refused.value.type == PAYMENT_LINK_REFUSED and refused.value.non_retryable
    assert "wrong" not in str(refused.value)
    with pytest.raises(ApplicationError, match="amount") as too_small:
        await create(activities(http, url), share("PSLINK000005", "0.50"))
    assert too_small.value.non_retryable


async def test_without_razorpay_there_is_no_link() -> None:
    acts = PaymentLinkActivities(None, valid_for=timedelta(days=90))
    assert await create(acts, share("PSLINK000006")) is None


async def test_a_closed_share_cancels_its_link_once(gateway, http) -> None:
    app, url = gateway
    acts = activities(http, url)
    link = await create(acts, share("PSLINK000007"))
    assert link is not None
    close = ClosePaymentLinkInput(event_id="evt_PSLINK000007", payment_reference="PSLINK000007")
    env = ActivityEnvironment()
    assert await env.run(acts.close_payment_link, close) is True
    assert app.state.links[link.link_id]["status"] == "cancelled"
    assert await env.run(acts.close_payment_link, close) is False  # the retry finds it gone
    unknown = ClosePaymentLinkInput(event_id="evt_x", payment_reference="PSNOSUCHLINK")
    assert await env.run(acts.close_payment_link, unknown) is False
