"""Limits every webhook endpoint shares; the API and the verifiers read them from here."""

from datetime import timedelta

# Gateway callbacks are a few KB; anything near this is not a real callback.
MAX_WEBHOOK_BODY_BYTES = 64 * 1024

# How far a signed timestamp may sit from our clock, either way: Standard Webhooks' own
# default, applied to Cashfree's x-webhook-timestamp too so replays age out the same way.
TIMESTAMP_TOLERANCE = timedelta(minutes=5)
