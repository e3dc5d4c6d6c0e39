"""A share that no longer owes its link's amount cancels the link: closed or re-priced."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.models import DisputeOpened, DisputeResolution
from tests.support.razorpay import razorpay_settings
from tests.support.scenario import eventually
from workflows.share import ShareWorkflow


@pytest.fixture
def wf_settings(settings, emulator_url, task_queue, razorpay_gateway):
    return settings.model_copy(
        update={
            "exchange_base_url": emulator_url,
            "task_queue": task_queue,
            "billing_currency": "INR",  # Razorpay takes three-letter currencies
            **razorpay_settings(razorpay_gateway[1]),
        }
    )


def _link_status(gateway, reference: str) -> str:
    (link,) = [v for v in gateway[0].state.links.values() if v["reference_id"] == reference]
    return link["status"]


async def test_a_paid_share_cancels_its_link(driver, razorpay_gateway):
    event, handle, view = await driver.open_share()

    async def linked():
        return (await handle.query(ShareWorkflow.status)).payment_link

    assert await eventually(linked)
    await driver.pay(handle, "12611.25", "txn-link-paid", currency="INR")
    assert (await handle.result()).status == "paid"
    assert _link_status(razorpay_gateway, view.payment_reference) == "cancelled"


async def test_a_re_priced_share_cancels_the_link_asking_the_old_amount(driver, razorpay_gateway):
    event, handle, view = await driver.open_share()
    await handle.signal(ShareWorkflow.dispute, DisputeOpened(reason="not all mine"))
    await driver.wait_status(handle, "disputed")
    await handle.signal(
        ShareWorkflow.resolve_dispute,
        DisputeResolution(outcome="adjusted", verified_profit=Decimal("500")),
    )
    reopened = await driver.wait_status(handle, "open")
    assert reopened.billed == Decimal("6637.50") and reopened.payment_link is None

    async def cancelled():
        return _link_status(razorpay_gateway, view.payment_reference) == "cancelled" or None

    assert await eventually(cancelled)
