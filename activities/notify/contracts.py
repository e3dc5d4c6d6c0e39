"""Notification activity names and messages: what the workflow may import (no I/O here)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from activities.contracts import Contract
from domain.models import Model
from domain.notifications import TemplateName
from domain.types import Identifier

NOTIFY_USER = "notify_user"
DELIVER_STANDING = "deliver_standing"
# The provider refused the message for good (e.g. no contact for that user): not retried.
NOTIFICATION_REFUSED = "NotificationRefused"


class NotifyUserInput(Model):
    event_id: Identifier
    user_id: Identifier
    # Unique within the share: sent at most once per (event_id, stage). Ladder stages use
    # Stage.key ("day03-reminder"); repeatable events add their id ("proof_rejected:prf_1").
    stage: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")
    template: TemplateName
    # Strings only (money as decimal strings); domain/notifications.py lists what each needs.
    params: dict[str, str] = {}
    channel: Literal["email", "sms"] = "email"


class DeliverStandingInput(Model):
    user_id: Identifier


# The contracts workflows call (workflows/calls.py).
NOTIFY: Contract[NotifyUserInput, None] = Contract(
    NOTIFY_USER, NotifyUserInput, None, non_retryable=(NOTIFICATION_REFUSED,)
)
DELIVER: Contract[DeliverStandingInput, None] = Contract(
    DELIVER_STANDING, DeliverStandingInput, None
)
