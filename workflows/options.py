"""Timeouts and retry policies of the share workflow's activities, in one place."""

from datetime import timedelta

from temporalio.common import RetryPolicy

# The database and the exchange come back; keep trying with backoff, never give up on money.
LEDGER_TIMEOUT = timedelta(seconds=30)
LEDGER_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=1),
)

CREDENTIALS_INVALID = "ExchangeCredentialsInvalid"
EXCHANGE_TIMEOUT = timedelta(minutes=2)
EXCHANGE_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=2),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=2),
    non_retryable_error_types=[CREDENTIALS_INVALID],
)
REVIEW_REMINDER = timedelta(hours=72)
