"""The rate a share is billed at: one home for the quote both QUOTE_FX and ShareWorkflowV4's
verification take."""

from __future__ import annotations

from temporalio.exceptions import ApplicationError

from activities import contracts as c
from activities.fx.source import FxSource, UnknownRate


async def quote(fx: FxSource, currency: str, billing_currency: str | None) -> c.FxQuote:
    """`currency` in the billing currency (itself without one); FX_RATE_UNKNOWN, not retried,
    when the source has no rate for the pair."""
    billing = billing_currency or currency
    try:
        rate = await fx.rate(currency, billing)
    except UnknownRate as err:
        raise ApplicationError(str(err), type=c.FX_RATE_UNKNOWN, non_retryable=True) from None
    return c.FxQuote(base=currency, billing_currency=billing, rate=rate)
