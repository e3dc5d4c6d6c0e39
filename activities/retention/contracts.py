"""The retention sweep's activity name and messages, shared with its workflow (pure)."""

from __future__ import annotations

from datetime import datetime

from domain.models import Model
from domain.retention import SweepReport

SWEEP_RETENTION = "sweep_retention"


class RetentionRequest(Model):
    # The moment whose expired data goes; None: the activity's own clock.
    as_of: datetime | None = None


class RetentionSwept(SweepReport):
    as_of: datetime
