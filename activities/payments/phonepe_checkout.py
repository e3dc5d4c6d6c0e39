"""PhonePe PG v2 checkout pages for shares: one order per payment reference.

The order's merchantOrderId is the share's payment reference, so PhonePe's callback and
Order Status name the share. PhonePe takes rupees only and a fixed amount per order: the
order is for the whole amount due (no part payment, unlike a Razorpay link).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from activities.payments.contracts import PaymentLink
from activities.payments.phonepe_client import PhonePeClient
from domain.money import minor_unit_places, to_minor

MIN_EXPIRE_AFTER_S = 300


class PhonePeCheckout:
    def __init__(self, client: PhonePeClient, *, redirect_url: str) -> None:
        self._client, self._redirect_url = client, redirect_url

    async def create(
        self, *, reference: str, amount: Decimal, currency: str, description: str,
        expire_by: datetime, notes: dict[str, str], min_partial: Decimal | None = None,
    ) -> PaymentLink | None:  # fmt: skip
        """The checkout page for `reference` (a retry gets the order the first try made), or
        None for a share PhonePe cannot take (not in INR): it is paid by reference then.

        Raises:
            PhonePeRefused: PhonePe refused the order.
            httpx.HTTPError: PhonePe is down or answered 5xx (worth retrying).
        """
        del min_partial  # a PhonePe order is paid in full
        if currency.upper() != "INR":
            return None
        paise = int(to_minor(amount, "INR").scaleb(minor_unit_places("INR")))
        seconds = int((expire_by - datetime.now(UTC)).total_seconds())
        order = await self._client.create_order(
            reference, paise, expire_after_s=max(MIN_EXPIRE_AFTER_S, seconds),
            redirect_url=self._redirect_url, message=description[:200],
            udf={"udf1": notes.get("event_id", "")[:256]},
        )  # fmt: skip
        return PaymentLink(url=order["redirectUrl"], link_id=order["orderId"])

    async def cancel(self, reference: str) -> bool:
        """PhonePe PG v2 has no order cancel: the order expires by itself, and a payment made
        through it after the share closed is kept as credit (db/credit.py). False: nothing
        was cancelled."""
        del reference
        return False
