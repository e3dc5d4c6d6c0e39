"""The PhonePe PG v2 emulator answers as PhonePe does, to the client the API and the worker
use: OAuth token, order create (checkout page), Order Status (400 INVALID_MERCHANT_ORDER_ID
for an order it never created), refund, and a signed callback when an order completes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.payments.contracts import PAYMENT_LINK_REFUSED, CreatePaymentLinkInput
from activities.payments.links import PaymentLinkActivities
from activities.payments.phonepe_checkout import PhonePeCheckout
from activities.payments.phonepe_client import PhonePeClient, PhonePeRefused, oauth_base
from domain.webhooks import phonepe_v2
from emulators.phonepe import create_app
from emulators.serve import serving

CLIENT = ("PSCLIENT", "ps-secret")
CALLBACKS: list[tuple[bytes, dict[str, str]]] = []


async def _deliver(body: bytes, headers: dict[str, str]) -> int:
    CALLBACKS.append((body, headers))
    return 200


@pytest.fixture(scope="module")
async def pg() -> AsyncIterator[tuple[str, httpx.AsyncClient]]:
    app = create_app(client_id=CLIENT[0], client_secret=CLIENT[1], callback_username="cb",
                     callback_password="cb-pass", deliver=_deliver)  # fmt: skip
    async with serving(app) as url, httpx.AsyncClient() as http:
        yield url, http


def client(pg, secret: str = CLIENT[1]) -> PhonePeClient:
    url, http = pg
    return PhonePeClient(http, base_url=url, client_id=CLIENT[0], client_secret=secret)


async def test_an_order_is_created_looked_up_completed_with_a_callback_and_refunded(pg):
    pp = client(pg)
    created = await pp.create_order(
        "PSORDER1", 13275, expire_after_s=600, redirect_url="https://x.test/", message="share"
    )
    assert created["state"] == "PENDING" and created["orderId"].startswith("OMO")
    assert created["redirectUrl"].startswith(pg[0])
    assert (await pp.create_order("PSORDER1", 13275, expire_after_s=600, redirect_url="x",
                                  message="again"))["orderId"] == created["orderId"]  # fmt: skip
    status = await pp.order_status("PSORDER1")
    assert (status["state"], status["amount"], status["paymentDetails"]) == ("PENDING", 13275, [])
    assert await pp.order_status("PSNEVERMADE") is None

    url, http = pg
    done = await http.post(f"{url}/_emulator/phonepe/orders/PSORDER1/complete", json={})
    assert done.json()["callback_status"] == 200
    body, headers = CALLBACKS[-1]
    phonepe_v2.verify_v2(body, headers, username="cb", password="cb-pass", now=datetime.now(UTC))
    hint = phonepe_v2.parse_v2(body)
    assert (hint.payment_reference, hint.status, hint.amount) == (
        "PSORDER1", "succeeded", Decimal("132.75"),
    )  # fmt: skip
    confirmed = phonepe_v2.confirmed("PSORDER1", await pp.order_status("PSORDER1"))
    assert (confirmed.status, confirmed.amount, confirmed.transaction_id) == (
        "succeeded", Decimal("132.75"), hint.transaction_id,
    )  # fmt: skip

    refund = await pp.refund("RF1", "PSORDER1", 5000)
    assert (refund["amount"], refund["state"]) == (5000, "PENDING")
    assert (await pp.refund("RF1", "PSORDER1", 5000))["refundId"] == refund["refundId"]
    with pytest.raises(PhonePeRefused):
        await pp.refund("RF2", "PSORDER1", 9000)  # more than is left


async def test_a_wrong_client_secret_gets_no_token(pg):
    with pytest.raises(PhonePeRefused) as refused:
        await client(pg, secret="wrong").order_status("PSORDER1")
    assert refused.value.status == 401


def test_production_tokens_come_from_identity_manager():
    assert oauth_base("https://api.phonepe.com/apis/pg") == (
        "https://api.phonepe.com/apis/identity-manager"
    )
    sandbox = "https://api-preprod.phonepe.com/apis/pg-sandbox"
    assert oauth_base(sandbox) == sandbox


async def test_a_share_s_checkout_page_is_a_phonepe_order_and_never_for_another_currency(pg):
    links = PaymentLinkActivities(PhonePeCheckout(client(pg), redirect_url="https://x.test/"),
                                  valid_for=timedelta(days=90))  # fmt: skip
    cmd = CreatePaymentLinkInput(
        event_id="evt_pp", payment_reference="PSLINK1", amount=Decimal("13275.00"),
        currency="INR", description="share",
    )  # fmt: skip
    link = await ActivityEnvironment().run(links.create_payment_link, cmd)
    assert link is not None and link.url.startswith(pg[0]) and link.link_id.startswith("OMO")
    again = await ActivityEnvironment().run(links.create_payment_link, cmd)
    assert again == link  # a retried activity gets the same order
    usdt = cmd.model_copy(update={"currency": "USDT", "payment_reference": "PSLINK2"})
    assert await ActivityEnvironment().run(links.create_payment_link, usdt) is None
    tiny = cmd.model_copy(update={"amount": Decimal("0.50"), "payment_reference": "PSLINK3"})
    with pytest.raises(ApplicationError) as refused:  # under PhonePe's 1.00 minimum
        await ActivityEnvironment().run(links.create_payment_link, tiny)
    assert refused.value.type == PAYMENT_LINK_REFUSED and refused.value.non_retryable
