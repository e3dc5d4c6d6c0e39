"""Timeouts and retry policies of the share workflow's activities, in one place."""

from dataclasses import replace
from datetime import timedelta

from temporalio.common import RetryPolicy

from activities.contracts import ACTIVITIES, CREDENTIALS_INVALID
from activities.notify.contracts import NOTIFY
from activities.payments.contracts import CREATE_LINK

# The database and the exchange come back; keep trying with backoff, never give up on money.
LEDGER_TIMEOUT = timedelta(seconds=30)
LEDGER_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=1),
)
# A local ledger activity (patch lean) retries in the worker while its backoff is below this;
# past it the retry waits on a workflow timer, which frees the workflow task meanwhile.
LOCAL_RETRY_THRESHOLD = timedelta(seconds=2)

EXCHANGE_TIMEOUT = timedelta(minutes=2)
EXCHANGE_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=2),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=2),
    non_retryable_error_types=[CREDENTIALS_INVALID],
)
REVIEW_REMINDER = timedelta(hours=72)

# Patched (stall_and_alert): past these bounds the share is marked stalled and ops alerted;
# it retries on an admin's word. Within the hour DESIGN.md allows a share to sit unseen.
LEDGER_GIVE_UP = timedelta(minutes=20)
EXCHANGE_GIVE_UP = timedelta(minutes=30)
# A checkpoint (symbols done) at least this often: a lost worker is noticed within it.
EXCHANGE_HEARTBEAT = timedelta(minutes=1)
# The same backoff; what must not be retried is now the contract's list.
EXCHANGE_RETRY_V2 = replace(
    EXCHANGE_RETRY, non_retryable_error_types=list(ACTIVITIES.verify_session.non_retryable)
)

# Telling the user and the backend runs beside the share and never holds the ladder back.
# A user notice that cannot go out within a day is stale; give up and log it.
NOTIFY_TIMEOUT = timedelta(seconds=30)
NOTIFY_GIVE_UP = timedelta(days=1)
NOTIFY_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=5),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=30),
    non_retryable_error_types=list(NOTIFY.non_retryable),
)
# The backend must learn every standing change, in order: keep trying for a week.
STANDING_GIVE_UP = timedelta(days=7)
STANDING_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=2),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=10),
)
LINK_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=2),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=1),
    maximum_attempts=10,
    non_retryable_error_types=list(CREATE_LINK.non_retryable),
)
