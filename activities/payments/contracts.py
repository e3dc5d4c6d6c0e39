"""Payment-link activity name and messages: what the workflow may import (no I/O here)."""

from __future__ import annotations

from pydantic import AwareDatetime, Field

from activities.contracts import Contract
from domain.models import Model
from domain.types import Currency, Identifier, Money

CREATE_PAYMENT_LINK = "create_payment_link"
# The gateway refused the link for good (bad credentials, an amount it does not take):
# the share stays payable by reference; retrying would not help.
PAYMENT_LINK_REFUSED = "PaymentLinkRefused"


class CreatePaymentLinkInput(Model):
    event_id: Identifier
    payment_reference: str = Field(min_length=1, max_length=40)
    amount: Money
    currency: Currency
    description: str = Field(max_length=2048)
    # The early-payment discount makes a smaller amount settle the share inside its window:
    # the link then takes a part payment of at least this much.
    min_partial: Money | None = None
    # When the link stops taking payments; default: RAZORPAY_LINK_VALID_DAYS from now.
    expire_by: AwareDatetime | None = None


class PaymentLink(Model):
    url: str
    link_id: str


CLOSE_PAYMENT_LINK = "close_payment_link"


class ClosePaymentLinkInput(Model):
    """The share no longer owes its link's amount (paid, waived, cancelled): the link goes."""

    event_id: Identifier
    payment_reference: str = Field(min_length=1, max_length=40)


# The contract workflows call (workflows/calls.py); None: no gateway configured.
CREATE_LINK: Contract[CreatePaymentLinkInput, PaymentLink | None] = Contract(
    CREATE_PAYMENT_LINK,
    CreatePaymentLinkInput,
    PaymentLink | None,  # type: ignore[arg-type]
    non_retryable=(PAYMENT_LINK_REFUSED,),
)
CLOSE_LINK: Contract[ClosePaymentLinkInput, bool] = Contract(
    CLOSE_PAYMENT_LINK, ClosePaymentLinkInput, bool, non_retryable=(PAYMENT_LINK_REFUSED,)
)
