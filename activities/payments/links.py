"""CREATE_PAYMENT_LINK: a hosted payment page for an open share: a Razorpay link when
Razorpay is configured, else a PhonePe PG v2 checkout page when PhonePe is."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.payments.contracts import (
    CLOSE_PAYMENT_LINK,
    CREATE_PAYMENT_LINK,
    PAYMENT_LINK_REFUSED,
    ClosePaymentLinkInput,
    CreatePaymentLinkInput,
    PaymentLink,
)
from activities.payments.phonepe_checkout import PhonePeCheckout
from activities.payments.phonepe_client import PhonePeRefused
from activities.payments.razorpay_links import RazorpayLinks, RazorpayRefused


class PaymentLinkActivities:
    def __init__(
        self,
        links: RazorpayLinks | PhonePeCheckout | None,
        *,
        valid_for: timedelta,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._links = links
        self._valid_for = valid_for
        self._clock = clock

    @activity.defn(name=CREATE_PAYMENT_LINK)
    async def create_payment_link(self, cmd: CreatePaymentLinkInput) -> PaymentLink | None:
        """The share's link, or None when no gateway is configured (pay by reference only).

        Idempotent by the payment reference: a retry returns the link the first try made.
        """
        if self._links is None:
            return None
        try:
            return await self._links.create(
                reference=cmd.payment_reference,
                amount=cmd.amount,
                currency=cmd.currency,
                description=cmd.description,
                expire_by=cmd.expire_by or self._clock() + self._valid_for,
                notes={"payment_reference": cmd.payment_reference, "event_id": cmd.event_id},
                min_partial=cmd.min_partial,
            )
        except (RazorpayRefused, PhonePeRefused) as refused:
            raise ApplicationError(
                str(refused), type=PAYMENT_LINK_REFUSED, non_retryable=True
            ) from None

    @activity.defn(name=CLOSE_PAYMENT_LINK)
    async def close_payment_link(self, cmd: ClosePaymentLinkInput) -> bool:
        """Cancels the share's link so no one pays a closed share through it; idempotent
        (a cancelled or paid link is left as it is). False without a gateway."""
        if self._links is None:
            return False
        try:
            return await self._links.cancel(cmd.payment_reference)
        except RazorpayRefused as refused:
            raise ApplicationError(
                str(refused), type=PAYMENT_LINK_REFUSED, non_retryable=True
            ) from None
